from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum

from studio.enums import Perm
from studio.models import AuditEvent, Brand
from studio.permissions import Actor, brand_scope
from studio.search import matching
from twins.enums import Angle, CheckStatus, Framing, LicenseStatus, Lighting, UsageKind
from twins.models import (
    CapturePhoto,
    License,
    ReplicaAgreement,
    StandingTerms,
    Talent,
    Twin,
    TwinVersion,
    UsageLine,
)
from twins.models.licensing import CENT
from twins.permissions import talents_actable_by


def talent_list(*, user: User, search: str = "") -> QuerySet[Talent]:
    """The talent ``user`` acts for (whose name holds ``search``, where given), each with its
    number of twins and of license requests waiting for an answer."""
    waiting = Q(twins__licenses__status=LicenseStatus.REQUESTED)
    talents = talents_actable_by(user)
    if search:
        talents = talents.filter(matching(search, "display_name"))
    return talents.annotate(
        twin_count=Count("twins", distinct=True),
        waiting_count=Count("twins__licenses", filter=waiting, distinct=True),
    ).order_by("display_name", "pk")


def twin_list(*, user: User) -> QuerySet[Twin]:
    return (
        Twin.objects.filter(talent__in=talents_actable_by(user))
        .select_related("talent")
        .annotate(photo_count=Count("photos"))
        .order_by("talent__display_name", "name", "pk")
    )


def capture_photo_list(
    *,
    user: User,
    twin: Twin,
    angle: str = "",
    framing: str = "",
    lighting: str = "",
    check: str = "",
) -> QuerySet[CapturePhoto]:
    """A twin's capture photos, of one angle, framing, lighting or check status where given."""
    photos = CapturePhoto.objects.filter(
        twin=twin, twin__talent__in=talents_actable_by(user)
    ).select_related("twin")
    wanted = {"angle": angle, "framing": framing, "lighting": lighting, "check_status": check}
    return photos.filter(**{field: value for field, value in wanted.items() if value})


def capture_photo_visible(*, user: User) -> QuerySet[CapturePhoto]:
    return CapturePhoto.objects.filter(twin__talent__in=talents_actable_by(user))


def audit_list_for_talent(*, user: User, talent: Talent) -> QuerySet[AuditEvent]:
    """Every event that concerns ``talent``'s likeness (the caller has checked ``talent``)."""
    if not talents_actable_by(user).filter(pk=talent.pk).exists():
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(talent_user=talent.user_id).select_related(
        "actor", "brand", "talent_user", "object_type"
    )


def twins_requestable(brand: Brand) -> QuerySet[Twin]:
    """Twins a brand may find and request: discoverable talent's, or twins it licensed before."""
    return (
        Twin.objects.filter(
            Q(talent__discoverable=True) | Q(licenses__brand=brand), consent_revoked_at=None
        )
        .exclude(talent__terms__blocked_brands=brand)
        .distinct()
    )


# --- Licensing ------------------------------------------------------------------------------------
def license_list_for_brand(*, actor: Actor) -> QuerySet[License]:
    return (
        brand_scope(License.objects.all(), actor)
        .select_related("twin__talent", "brand")
        .prefetch_related("exclusive_against")
    )


def license_list_for_user(*, user: User, talent: Talent | None = None) -> QuerySet[License]:
    """Licenses of the talent ``user`` acts for (optionally one of them)."""
    licenses = License.objects.filter(twin__talent__in=talents_actable_by(user))
    if talent is not None:
        licenses = licenses.filter(twin__talent=talent)
    return licenses.select_related("twin__talent", "brand").prefetch_related("exclusive_against")


CATALOGUE_LICENSED = {"active": "Licensed to us now", "none": "No license with us yet"}


def twin_catalogue(*, actor: Actor, search: str = "", licensed: str = "") -> QuerySet[Twin]:
    """Twins the actor's brand may see: licensed to it before, or of discoverable talent, each
    with this brand's licenses (and only this brand's) at hand. ``search`` finds a talent's or
    a twin's name; ``licensed`` (one of CATALOGUE_LICENSED) keeps those the brand holds an active
    license for, or those it has none with."""
    if actor.brand is None or not actor.has(Perm.VIEW_BRAND):
        return Twin.objects.none()
    twins = twins_requestable(actor.brand)
    if search:
        twins = twins.filter(matching(search, "name", "talent__display_name"))
    ours = License.objects.filter(brand=actor.brand, twin=OuterRef("pk"))
    if licensed == "active":
        twins = twins.filter(Exists(ours.filter(status=LicenseStatus.ACTIVE)))
    elif licensed == "none":
        twins = twins.exclude(Exists(ours))
    return (
        twins.select_related("talent")
        .prefetch_related(
            Prefetch(
                "licenses",
                queryset=License.objects.filter(brand=actor.brand)
                .select_related("brand")
                .prefetch_related("exclusive_against"),
                to_attr="brand_licenses",
            )
        )
        .order_by("talent__display_name", "name", "pk")
    )


def standing_terms_of(*, talent: Talent) -> StandingTerms:
    terms = StandingTerms.objects.filter(talent=talent).prefetch_related("blocked_brands").first()
    return terms or StandingTerms(talent=talent)


def agreements_of(*, user: User, twin: Twin) -> QuerySet[ReplicaAgreement]:
    return ReplicaAgreement.objects.filter(
        twin=twin, twin__talent__in=talents_actable_by(user)
    ).select_related("signed_by", "identity_verified_by")


# --- Statements -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Statement:
    month: date
    lines: QuerySet[UsageLine]  # the month's, oldest first, with their license's names
    totals: dict[str, Decimal]  # per currency, the sum of all the month's lines to the cent


def month_range(month: date) -> tuple[date, date]:
    """The first and the last day of ``month`` (the last, not the next month's first: December
    9999 has no next month)."""
    return month.replace(day=1), month.replace(day=monthrange(month.year, month.month)[1])


def _statement(lines: QuerySet[UsageLine], month: date) -> Statement:
    """A month of lines, summed by the database: a brand's month can hold tens of thousands,
    which pages, the API and the CSV read a part of at a time."""
    start, last = month_range(month)
    in_month = lines.filter(used_on__range=(start, last))
    sums = in_month.order_by().values("currency").annotate(total=Sum("amount"))
    return Statement(
        month=start,
        lines=in_month.select_related("license__twin__talent", "license__brand").order_by(
            "used_on", "pk"
        ),
        # SQLite sums decimals as floats: back to the cent (exact on PostgreSQL already).
        totals={row["currency"]: row["total"].quantize(CENT) for row in sums.order_by("currency")},
    )


def statement_for_talent(*, user: User, talent: Talent, month: date) -> Statement:
    lines = UsageLine.objects.filter(
        license__twin__talent=talent, license__twin__talent__in=talents_actable_by(user)
    )
    return _statement(lines, month)


def statement_for_brand(*, actor: Actor, month: date) -> Statement:
    lines = UsageLine.objects.filter(
        license__in=brand_scope(License.objects.all(), actor, Perm.REQUEST_LICENSES)
    )
    return _statement(lines, month)


# --- Capture coverage -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CoverageCell:
    angle: str
    framing: str
    lighting: str
    status: str  # passed, failed, pending or missing
    required: bool
    photos: list[CapturePhoto]

    @property
    def key(self) -> str:
        return f"{self.angle}/{self.framing}/{self.lighting}"


@dataclass(frozen=True)
class Coverage:
    rows: list[tuple[str, str, list[CoverageCell]]]  # (angle label, framing label, cells)
    lightings: list[str]
    required: int
    passed_required: int
    missing: list[str]  # required cells without a passing photo

    @property
    def readiness(self) -> int:
        """Per cent of the required cells that have a passing photo."""
        return round(100 * self.passed_required / self.required) if self.required else 100

    @property
    def ready(self) -> bool:
        return not self.missing


def _cell_status(photos: list[CapturePhoto]) -> str:
    statuses = {photo.check_status for photo in photos}
    for status in (CheckStatus.PASSED, CheckStatus.PENDING, CheckStatus.FAILED):
        if status in statuses:
            return status
    return "missing"


def twin_coverage(*, twin: Twin) -> Coverage:
    """The angle × framing × lighting matrix of a twin's capture set (the caller has checked
    that the actor may see ``twin``)."""
    required = set(settings.TWIN_REQUIRED_CELLS)
    by_cell: dict[str, list[CapturePhoto]] = {}
    for photo in CapturePhoto.objects.filter(twin=twin).order_by("pk"):
        by_cell.setdefault(f"{photo.angle}/{photo.framing}/{photo.lighting}", []).append(photo)
    rows = []
    for angle, angle_label in Angle.choices:
        for framing, framing_label in Framing.choices:
            cells = []
            for lighting in Lighting.values:
                key = f"{angle}/{framing}/{lighting}"
                photos = by_cell.get(key, [])
                cells.append(
                    CoverageCell(
                        angle, framing, lighting, _cell_status(photos), key in required, photos
                    )
                )
            rows.append((angle_label, framing_label, cells))
    all_cells = [cell for _a, _f, cells in rows for cell in cells]
    missing = [c.key for c in all_cells if c.required and c.status != CheckStatus.PASSED]
    return Coverage(
        rows=rows,
        lightings=Lighting.labels,
        required=len(required),
        passed_required=len(required) - len(missing),
        missing=missing,
    )


def version_list(*, user: User, twin: Twin | None = None) -> QuerySet[TwinVersion]:
    versions = TwinVersion.objects.filter(twin__talent__in=talents_actable_by(user))
    if twin is not None:
        versions = versions.filter(twin=twin)
    return versions.select_related("twin__talent", "started_by").order_by("-number")


def likeness_uses(
    *, user: User, talent: Talent, brand: str = "", channel: str = "", twin: int | None = None
) -> QuerySet[UsageLine]:
    """Every published use of the talent's twins, newest first (campaigns records them); only
    one brand's (by slug), one channel's or one twin's where asked."""
    uses = UsageLine.objects.filter(
        license__twin__talent=talent,
        kind=UsageKind.ASSET,
        license__twin__talent__in=talents_actable_by(user),
    )
    if brand:
        uses = uses.filter(license__brand__slug=brand)
    if channel:
        uses = uses.filter(channel=channel)
    if twin is not None:
        uses = uses.filter(license__twin=twin)
    return uses.select_related("license__brand", "license__twin").order_by("-used_on", "-pk")


def licensee_brands(*, talent: Talent) -> QuerySet[Brand]:
    """The brands that have held a license for one of the talent's twins, by name."""
    return Brand.objects.filter(licenses__twin__talent=talent).distinct().order_by("name")
