"""license_check: may a brand use a twin here, now, like this? The one function every render
queue, render start and publication goes through (campaigns calls it through twins' services).
A LicenseBook gives the same answers for many twins and uses, reading the database once.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef

from studio.models import Brand
from twins.enums import CheckCode, LicenseStatus, UsageKind
from twins.models import License, ReplicaAgreement, StandingTerms, Talent, Twin


@dataclass(frozen=True)
class Reason:
    code: str
    message: str


@dataclass(frozen=True)
class LicenseCheck:
    allowed: bool
    reasons: tuple[Reason, ...]
    license: License | None = None


def terms_of(talent: Talent) -> StandingTerms:
    return StandingTerms.objects.filter(talent=talent).first() or StandingTerms(talent=talent)


def _license_reasons(
    license: License, *, on: date, channel: str, market: str, categories: set[str], publishing: bool
) -> list[Reason]:
    reasons = []
    if not license.starts_on <= on <= license.ends_on:
        reasons.append(
            Reason(
                CheckCode.NOT_IN_TERM,
                f"{on} is outside the term {license.starts_on}–{license.ends_on}.",
            )
        )
    if channel not in license.channels:
        reasons.append(
            Reason(
                CheckCode.CHANNEL,
                f"{channel} is not licensed (licensed: {', '.join(license.channels)}).",
            )
        )
    if market not in license.markets:
        reasons.append(
            Reason(
                CheckCode.MARKET,
                f"{market} is not a licensed market (licensed: {', '.join(license.markets)}).",
            )
        )
    missing = sorted(categories - set(license.categories))
    if missing:
        reasons.append(Reason(CheckCode.CATEGORY, f"Not licensed for {', '.join(missing)}."))
    if publishing and license.max_published_assets is not None:
        published = license.usage.filter(kind=UsageKind.ASSET).values("asset_ref").distinct()
        if published.count() >= license.max_published_assets:
            reasons.append(
                Reason(
                    CheckCode.ASSET_CAP,
                    f"All {license.max_published_assets} licensed assets are published.",
                )
            )
    return reasons


@dataclass(frozen=True)
class _Standing:
    """What the checks read of one twin: its talent's word, and the brand's active licenses."""

    twin: Twin
    terms: StandingTerms
    brand_blocked: bool
    agreements: tuple[ReplicaAgreement, ...]
    licenses: tuple[License, ...]  # oldest first


class LicenseBook:
    """Everything the checks of ``brand`` using ``twins`` read, in four queries whatever the
    number of twins, so that a shot matrix checks every look × twin × channel × market without
    a query per check.

    The twins are read afresh (a caller's instance may predate a consent withdrawal). With
    ``lock=True`` (inside a transaction) the twins, their talents and the brand's active licenses
    for them stay locked until the caller commits, so a revocation cannot slip between these
    checks and the use they guard.
    """

    def __init__(self, *, twins: Iterable[int], brand: Brand, lock: bool = False) -> None:
        self.brand = brand
        ids = sorted(set(twins))
        rows = Twin.objects.select_related("talent").filter(pk__in=ids).order_by("pk")
        found = list(rows.select_for_update() if lock else rows)
        blocks = StandingTerms.blocked_brands.through.objects.filter(
            standingterms=OuterRef("pk"), brand=brand
        )
        terms = {
            t.talent_id: t
            for t in StandingTerms.objects.filter(
                talent__in={twin.talent_id for twin in found}
            ).annotate(brand_blocked=Exists(blocks))
        }
        agreements = defaultdict(list)
        for agreement in ReplicaAgreement.objects.filter(twin__in=ids, ended_at=None):
            agreements[agreement.twin_id].append(agreement)
        licenses = License.objects.filter(
            twin__in=ids, brand=brand, status=LicenseStatus.ACTIVE
        ).order_by("pk")
        held = defaultdict(list)
        for lic in licenses.select_for_update() if lock else licenses:
            held[lic.twin_id].append(lic)
        self._standing: dict[int, _Standing] = {}
        for twin in found:
            said = terms.get(twin.talent_id)
            self._standing[twin.pk] = _Standing(
                twin=twin,
                terms=said or StandingTerms(talent=twin.talent),
                brand_blocked=bool(said and said.brand_blocked),
                agreements=tuple(agreements[twin.pk]),
                licenses=tuple(held[twin.pk]),
            )

    @property
    def twins(self) -> dict[int, Twin]:
        """The twins found, by id (with their talents), as read afresh for the checks."""
        return {pk: standing.twin for pk, standing in self._standing.items()}

    def _of(self, twin_id: int) -> _Standing:
        try:
            return self._standing[twin_id]
        except KeyError:
            raise Twin.DoesNotExist(f"No twin {twin_id} in this license book.") from None

    def _talent_reasons(
        self,
        standing: _Standing,
        *,
        on: date,
        categories: set[str],
        content_tags: Iterable[str] = (),
    ) -> list[Reason]:
        """What the talent's consent, agreement and standing terms say against this use."""
        terms = standing.terms
        reasons = []
        if standing.twin.consent_revoked_at is not None:
            reasons.append(
                Reason(CheckCode.CONSENT_REVOKED, "The talent revoked consent for this twin.")
            )
        if not any(a.in_force(on) for a in standing.agreements):
            reasons.append(
                Reason(CheckCode.NO_AGREEMENT, f"No replica agreement is in force on {on}.")
            )
        if standing.brand_blocked:
            reasons.append(
                Reason(CheckCode.BRAND_BLOCKED, f"The talent does not work with {self.brand.name}.")
            )
        excluded = sorted(categories & set(terms.excluded_categories))
        if excluded:
            reasons.append(
                Reason(
                    CheckCode.CATEGORY_EXCLUDED, f"The talent never wears {', '.join(excluded)}."
                )
            )
        tags = sorted(set(content_tags) & set(terms.excluded_content_tags))
        if tags:
            reasons.append(
                Reason(
                    CheckCode.CONTENT_EXCLUDED,
                    f"The talent excludes content about {', '.join(tags)}.",
                )
            )
        return reasons

    def check(
        self,
        twin_id: int,
        *,
        channel: str,
        market: str,
        on: date,
        categories: Iterable[str] = (),
        content_tags: Iterable[str] = (),
        publishing: bool = False,
    ) -> LicenseCheck:
        """May the brand use the twin on ``channel`` in ``market`` on ``on``, dressed in
        ``categories``, for content tagged ``content_tags``? Every reason against is returned."""
        standing = self._of(twin_id)
        market = market.upper()
        wanted = set(categories)
        reasons = self._talent_reasons(
            standing, on=on, categories=wanted, content_tags=content_tags
        )
        candidates = [
            (
                lic,
                _license_reasons(
                    lic,
                    on=on,
                    channel=channel,
                    market=market,
                    categories=wanted,
                    publishing=publishing,
                ),
            )
            for lic in standing.licenses
        ]
        covering = next((lic for lic, against in candidates if not against), None)
        if not candidates:
            reasons.append(
                Reason(
                    CheckCode.NO_LICENSE,
                    f"{self.brand.name} holds no active license for this twin.",
                )
            )
        elif covering is None:
            reasons.extend(min(candidates, key=lambda pair: len(pair[1]))[1])
        return LicenseCheck(
            allowed=not reasons, reasons=tuple(reasons), license=covering if not reasons else None
        )

    def wear(self, twin_id: int, *, categories: Iterable[str], on: date) -> LicenseCheck:
        """May the brand dress the twin in ``categories`` at all on ``on``, whatever the channel
        and market? (Looks show this; ``check`` decides each use.)"""
        standing = self._of(twin_id)
        wanted = set(categories)
        reasons = self._talent_reasons(standing, on=on, categories=wanted)
        licenses = [lic for lic in standing.licenses if lic.starts_on <= on <= lic.ends_on]
        covering = next((lic for lic in licenses if wanted <= set(lic.categories)), None)
        if not licenses:
            reasons.append(
                Reason(
                    CheckCode.NO_LICENSE,
                    f"{self.brand.name} holds no license for this twin in force on {on}.",
                )
            )
        elif covering is None:
            missing = sorted(wanted - set().union(*(set(lic.categories) for lic in licenses)))
            reasons.append(
                Reason(
                    CheckCode.CATEGORY,
                    f"Not licensed for {', '.join(missing) or 'these categories together'}.",
                )
            )
        return LicenseCheck(
            allowed=not reasons, reasons=tuple(reasons), license=covering if not reasons else None
        )


def license_check(
    *,
    twin: Twin,
    brand: Brand,
    channel: str,
    market: str,
    on: date,
    categories: Iterable[str] = (),
    content_tags: Iterable[str] = (),
    publishing: bool = False,
    lock: bool = False,
) -> LicenseCheck:
    """May ``brand`` use ``twin`` on ``channel`` in ``market`` on ``on``, dressed in
    ``categories``, for content tagged ``content_tags``? Every reason against is returned.

    With ``lock=True`` (inside a transaction) the covering license row is locked until the
    caller commits, so a revocation cannot slip between this check and the use it guards.
    """
    book = LicenseBook(twins=[twin.pk], brand=brand, lock=lock)
    return book.check(
        twin.pk,
        channel=channel,
        market=market,
        on=on,
        categories=categories,
        content_tags=content_tags,
        publishing=publishing,
    )


def wear_check(*, twin: Twin, brand: Brand, categories: Iterable[str], on: date) -> LicenseCheck:
    """May ``brand`` dress ``twin`` in ``categories`` at all on ``on``, whatever the channel and
    market? (Looks show this; license_check decides each use.)"""
    return LicenseBook(twins=[twin.pk], brand=brand).wear(twin.pk, categories=categories, on=on)
