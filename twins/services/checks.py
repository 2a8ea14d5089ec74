"""license_check: may a brand use a twin here, now, like this? The one function every render
queue, render start and publication goes through (campaigns calls it through twins' services).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

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


def _agreement_in_force(twin: Twin, on: date) -> bool:
    return any(a.in_force(on) for a in ReplicaAgreement.objects.filter(twin=twin, ended_at=None))


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


def _talent_reasons(
    twin: Twin,
    brand: Brand,
    *,
    on: date,
    categories: set[str],
    content_tags: list[str] | tuple[str, ...] = (),
) -> list[Reason]:
    """What the talent's consent, agreement and standing terms say against this use."""
    terms = terms_of(twin.talent)
    reasons = []
    if twin.consent_revoked_at is not None:
        reasons.append(
            Reason(CheckCode.CONSENT_REVOKED, "The talent revoked consent for this twin.")
        )
    if not _agreement_in_force(twin, on):
        reasons.append(Reason(CheckCode.NO_AGREEMENT, f"No replica agreement is in force on {on}."))
    if terms.pk and terms.blocked_brands.filter(pk=brand.pk).exists():
        reasons.append(
            Reason(CheckCode.BRAND_BLOCKED, f"The talent does not work with {brand.name}.")
        )
    excluded = sorted(categories & set(terms.excluded_categories))
    if excluded:
        reasons.append(
            Reason(CheckCode.CATEGORY_EXCLUDED, f"The talent never wears {', '.join(excluded)}.")
        )
    tags = sorted(set(content_tags) & set(terms.excluded_content_tags))
    if tags:
        reasons.append(
            Reason(
                CheckCode.CONTENT_EXCLUDED, f"The talent excludes content about {', '.join(tags)}."
            )
        )
    return reasons


def license_check(
    *,
    twin: Twin,
    brand: Brand,
    channel: str,
    market: str,
    on: date,
    categories: list[str] | tuple[str, ...] = (),
    content_tags: list[str] | tuple[str, ...] = (),
    publishing: bool = False,
    lock: bool = False,
) -> LicenseCheck:
    """May ``brand`` use ``twin`` on ``channel`` in ``market`` on ``on``, dressed in
    ``categories``, for content tagged ``content_tags``? Every reason against is returned.

    With ``lock=True`` (inside a transaction) the covering license row is locked until the
    caller commits, so a revocation cannot slip between this check and the use it guards.
    """
    market = market.upper()
    wanted = set(categories)
    # Read the twin afresh: a caller's instance may predate a consent withdrawal.
    twins = Twin.objects.select_related("talent")
    twin = (twins.select_for_update() if lock else twins).get(pk=twin.pk)
    reasons = _talent_reasons(twin, brand, on=on, categories=wanted, content_tags=content_tags)
    licenses: QuerySet[License] = License.objects.filter(
        twin=twin, brand=brand, status=LicenseStatus.ACTIVE
    ).order_by("pk")
    if lock:
        licenses = licenses.select_for_update()
    candidates: list[tuple[License, list[Reason]]] = [
        (
            lic,
            _license_reasons(
                lic, on=on, channel=channel, market=market, categories=wanted, publishing=publishing
            ),
        )
        for lic in licenses
    ]
    covering = next((lic for lic, against in candidates if not against), None)
    if not candidates:
        reasons.append(
            Reason(CheckCode.NO_LICENSE, f"{brand.name} holds no active license for this twin.")
        )
    elif covering is None:
        reasons.extend(min(candidates, key=lambda pair: len(pair[1]))[1])
    return LicenseCheck(
        allowed=not reasons, reasons=tuple(reasons), license=covering if not reasons else None
    )


def wear_check(
    *, twin: Twin, brand: Brand, categories: list[str] | tuple[str, ...], on: date
) -> LicenseCheck:
    """May ``brand`` dress ``twin`` in ``categories`` at all on ``on``, whatever the channel and
    market? (Looks show this; license_check decides each use.)"""
    wanted = set(categories)
    twin = Twin.objects.select_related("talent").get(pk=twin.pk)
    reasons = _talent_reasons(twin, brand, on=on, categories=wanted)
    licenses = [
        lic
        for lic in License.objects.filter(twin=twin, brand=brand, status=LicenseStatus.ACTIVE)
        if lic.starts_on <= on <= lic.ends_on
    ]
    covering = next((lic for lic in licenses if wanted <= set(lic.categories)), None)
    if not licenses:
        reasons.append(
            Reason(
                CheckCode.NO_LICENSE,
                f"{brand.name} holds no license for this twin in force on {on}.",
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
