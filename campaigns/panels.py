from django.http import HttpRequest

from campaigns import selectors
from campaigns.enums import JOB_ACTIVE, CampaignStatus, JobState
from studio.dashboard import Panel, register
from studio.enums import Perm
from studio.permissions import actor_of

# What each brand role will find here once the later parts of the pipeline land. The panels say
# so plainly rather than show empty widgets.
_COMING = {
    Perm.MANAGE_CAMPAIGNS: [
        ("Reviews waiting", "Shortlisted outputs waiting for talent approval will gather here."),
    ],
    Perm.MANAGE_POSTS: [
        ("Posts", "Approved, disclosed assets become posts you can schedule from here."),
        ("Reactions", "How people react to published posts will show here."),
    ],
}


@register
def brand_panels(request: HttpRequest) -> list[Panel]:
    actor = actor_of(request)
    if actor.brand is None:
        return []
    panels = []
    if actor.has(Perm.MANAGE_GARMENTS) or actor.has(Perm.MANAGE_LOOKS):
        garments = selectors.garment_list(actor=actor, archived=False)
        panels.append(
            Panel(
                "Garments",
                "campaigns/panels/garments.html",
                {"count": garments.count(), "recent": list(garments.order_by("-created_at")[:6])},
                order=30,
            )
        )
    if actor.has(Perm.MANAGE_CAMPAIGNS):
        campaigns = selectors.campaign_list(actor=actor).exclude(status=CampaignStatus.ARCHIVED)
        panels.append(
            Panel(
                "Campaigns",
                "campaigns/panels/campaigns.html",
                {"campaigns": list(campaigns[:5]), "count": campaigns.count()},
                order=20,
            )
        )
    if actor.has(Perm.MANAGE_CAMPAIGNS):
        jobs = selectors.job_list(actor=actor).filter(state__in=JOB_ACTIVE)
        panels.append(
            Panel(
                "Renders running",
                "campaigns/panels/renders.html",
                {
                    "running": list(jobs.filter(state=JobState.RUNNING).order_by("started_at")[:5]),
                    "queued": jobs.filter(state=JobState.QUEUED).count(),
                },
                order=21,
            )
        )
    for perm, items in _COMING.items():
        if actor.has(perm):
            panels += [
                Panel(title, "components/coming_soon.html", {"what": what}, order=40)
                for title, what in items
            ]
    return panels
