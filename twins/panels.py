from django.http import HttpRequest

from studio.dashboard import Panel, register
from studio.enums import Perm
from studio.permissions import actor_of, user_of
from twins import selectors
from twins.enums import LicenseStatus


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
                {"what": "Outputs to approve arrive once brands render your twin."},
                order=11,
            )
        )
        panels.append(
            Panel(
                "Licenses",
                "components/coming_soon.html",
                {"what": "License requests from brands will wait for you here."},
                order=12,
            )
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
    licenses = selectors.license_list_for_brand(actor=actor)
    return [
        Panel(
            "Licenses",
            "twins/panels/brand_licenses.html",
            {
                "countered": licenses.filter(status=LicenseStatus.COUNTERED).count(),
                "requested": licenses.filter(status=LicenseStatus.REQUESTED).count(),
                "active": licenses.filter(status=LicenseStatus.ACTIVE).count(),
            },
            order=35,
        )
    ]
