"""Markets are countries, named by their ISO 3166-1 alpha-2 code. A license and a campaign meet
on the same code, so a code that is no country (a typo, or UK for GB) is refused where it is
typed, rather than found later as a market that no license covers."""

import re
from collections.abc import Iterable

from django_countries import countries

# Codes in common use that ISO 3166-1 spells otherwise.
ISO_FOR = {"UK": "GB", "EL": "GR"}
_CODE = re.compile(r"[A-Z]{2}")


def markets_read(codes: Iterable[str]) -> tuple[list[str], str]:
    """The codes upper-cased, de-duplicated and sorted, and what is wrong with them ('' when
    every one is a country)."""
    markets = sorted({code.strip().upper() for code in codes if code.strip()})
    if not markets:
        return markets, "Name at least one market: a country code such as DE, FR or US."
    unknown = [m for m in markets if not (_CODE.fullmatch(m) and countries.name(m))]
    if not unknown:
        return markets, ""
    named = ", ".join(f"{m} (for {ISO_FOR[m]}?)" if m in ISO_FOR else m for m in unknown)
    return markets, (
        f"Not a country code: {named}. Markets are ISO country codes such as DE, FR, GB or US."
    )
