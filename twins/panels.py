from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from studio.dashboard import Panel, register
from studio.enums import Perm
from studio.permissions import actor_of, user_of
from twins import selectors
from twins.enums import LicenseStatus
from twins.models import License


def _counts(licenses: QuerySet[License], **statuses: str) -> dict[str, int]:
    """How many of ``licenses`` are in each status, by name, in one query."""
    return licenses.aggregate(
        **{name: Count("pk", filter=Q(status=status)) for name, status in statuses.items()}
    )


@register
def talent_panels(request: HttpRequest) -> list[Panel]:
    user = user_of(request)
    talents = list(selectors.talent_list(user=user))
    if not talents:
        return []
    own = [talent for talent in talents if talent.user_id == user.pk]
    represented = [talent for talent in talents if talent.user_id != user.pk]
    panels = []
    if own:
        panels.append(Panel("My twins", "twins/panels/my_twins.html", {"talent": own[0]}, order=10))
        panels.append(
            Panel(
                "Approvals waiting",
                "components/coming_soon.html",
                {"what": "Renders that brands send you for approval will wait here."},
                order=11,
            )
        )
        talent = own[0]
        licenses = selectors.license_list_for_user(user=user, talent=talent)
        counts = _counts(licenses, waiting=LicenseStatus.REQUESTED, active=LicenseStatus.ACTIVE)
        panels.append(
            Panel("Licenses", "twins/panels/licenses.html", {"talent": talent, **counts}, order=12)
        )
    if represented:
        panels.append(
            Panel(
                "Talent I represent",
                "twins/panels/represented.html",
                {"talents": represented},
                order=20,
            )
        )
    return panels


@register
def brand_license_panels(request: HttpRequest) -> list[Panel]:
    actor = actor_of(request)
    if not actor.has(Perm.REQUEST_LICENSES):
        return []
    counts = _counts(
        selectors.license_list_for_brand(actor=actor),
        countered=LicenseStatus.COUNTERED,
        requested=LicenseStatus.REQUESTED,
        active=LicenseStatus.ACTIVE,
    )
    return [Panel("Licenses", "twins/panels/brand_licenses.html", counts, order=35)]
