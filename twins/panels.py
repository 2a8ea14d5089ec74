from django.http import HttpRequest

from studio.dashboard import Panel, register
from studio.permissions import user_of
from twins import selectors


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
