"""Pages of production: campaigns, the shot matrix builder, the campaign board with live
progress, job actions, render media, and the render farm."""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_POST

from campaigns import selectors, services
from campaigns.enums import CAMPAIGN_TRANSITIONS, JOB_ACTIVE, CampaignStatus, JobState, Priority
from campaigns.forms import BoardFilterForm, CampaignForm, MatrixForm, SceneEditForm, SceneForm
from campaigns.keys import render_outdated
from campaigns.models import Campaign, RenderJob, Scene, Shot
from campaigns.poses import POSES
from campaigns.rendering.base import FORMATS
from campaigns.services.rendering import Cancelled
from studio.enums import Perm
from studio.errors import StudioError
from studio.media import media_response
from studio.permissions import Actor, actor_of
from studio.views import paginate, require_perm, service_call

BOARD_PAGE = 48
BOARD_BATCHES = 5  # the newest; the API lists them all


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    return get_object_or_404(selectors.campaign_list(actor=actor_of(request)), pk=pk)


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_perm(actor, Perm.VIEW_BRAND)
    status = request.GET.get("status", "")
    status = status if status in CampaignStatus.values else ""
    search = request.GET.get("q", "").strip()
    owners = list(selectors.campaigns_owned_by(brand=actor.require(Perm.VIEW_BRAND)))
    owner = request.GET.get("owner", "")
    owner = owner if owner in {user.get_username() for user in owners} else ""
    campaigns = selectors.campaign_list(actor=actor, status=status, search=search, owner=owner)
    return render(
        request,
        "campaigns/campaign_list.html",
        {
            "page": paginate(request, campaigns, 24),
            "statuses": CampaignStatus.choices,
            "owners": owners,
            "q": search,
            "filtered": bool(status or search or owner),
        },
    )


def _campaign_form(request: HttpRequest, campaign: Campaign | None) -> HttpResponse:
    actor = actor_of(request)
    require_perm(actor, Perm.MANAGE_CAMPAIGNS)
    initial = CampaignForm.initial_for(campaign) if campaign else {"owner": actor.user.username}
    owners = selectors.campaign_owners(brand=actor.require(Perm.MANAGE_CAMPAIGNS))
    form = CampaignForm(request.POST or None, initial=initial, owners=owners)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if campaign is None:
                    saved = services.campaign_create(actor=actor, data=form.campaign_input())
                else:
                    saved = services.campaign_update(
                        actor=actor, campaign=campaign, data=form.campaign_input()
                    )
            except StudioError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"{saved.name} is saved.")
                return redirect("campaign-board", pk=saved.pk)
        status = 400
    return render(
        request,
        "campaigns/campaign_form.html",
        {"form": form, "campaign": campaign},
        status=status,
    )


@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    return _campaign_form(request, None)


@login_required
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _campaign_form(request, _campaign(request, pk))


def _board_shots(
    request: HttpRequest, campaign: Campaign
) -> tuple[BoardFilterForm, dict[str, Any], QuerySet[Shot]]:
    """The board's filters, as the query string gives them, and the shots they leave."""
    filters = BoardFilterForm(request.GET, campaign=campaign)
    filters.is_valid()
    data = getattr(filters, "cleaned_data", {})
    shots = selectors.shot_board(
        actor=actor_of(request),
        campaign=campaign,
        look=data.get("look"),
        twin=data.get("twin"),
        state=data.get("state", ""),
        shortlisted=data.get("shortlisted", False),
        pose=data.get("pose", ""),
        scene=data.get("scene"),
        format=data.get("format", ""),
    )
    return filters, data, shots


def _board_context(request: HttpRequest, campaign: Campaign) -> dict[str, Any]:
    actor = actor_of(request)
    filters, data, shots = _board_shots(request, campaign)
    page = paginate(request, shots, BOARD_PAGE)
    cards = [(shot, shot.job_list[0] if shot.job_list else None) for shot in page]  # type: ignore[attr-defined]
    return {
        "campaign": campaign,
        "page": page,
        "cards": cards,
        "outdated": {job.pk for _, job in cards if job and render_outdated(job)},
        # Any active job of the campaign, shown or not: a filtered board gains cards as it renders.
        "live": campaign.active_jobs > 0,  # type: ignore[attr-defined]
        "batches": selectors.campaign_batches(actor=actor, campaign=campaign)[:BOARD_BATCHES],
        # What the renders change above the cards too: the poll brings these along.
        "gpu": selectors.campaign_gpu_use(campaign),
        "counts": selectors.board_counts(actor=actor, campaign=campaign),
        "next_statuses": [
            (value, CampaignStatus(value).label)
            for value in sorted(CAMPAIGN_TRANSITIONS[campaign.status])
        ],
        "filters": filters,
        "filtered": any(data.values()),
        "query": request.GET.urlencode(),
    }


@login_required
def campaign_board(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    context = _board_context(request, campaign)
    context["scene_form"] = SceneForm()
    context["scenes"] = list(selectors.scene_list(campaign=campaign))
    return render(request, "campaigns/campaign_board.html", context)


@login_required
def campaign_board_cards(request: HttpRequest, pk: int) -> HttpResponse:
    """The board's cards, and out of band its batches, GPU budget, actions and shortlist count:
    htmx polls this while renders are running, and fetches it after an action on a card."""
    campaign = _campaign(request, pk)
    context = _board_context(request, campaign) | {"batches_oob": True}
    return render(request, "campaigns/_board_cards.html", context)


@login_required
@require_POST
def campaign_status(request: HttpRequest, pk: int) -> HttpResponse:
    actor, campaign = actor_of(request), _campaign(request, pk)
    status = request.POST.get("status", "")
    label = dict(CampaignStatus.choices).get(status, status).lower()
    service_call(
        request,
        lambda: services.campaign_status_set(actor=actor, campaign=campaign, status=status),
        success="The campaign is archived; its queued renders are cancelled, its running ones stop."
        if status == CampaignStatus.ARCHIVED
        else f"The campaign is now {label}.",
    )
    return _to_board(request, pk)


def _render_again(request: HttpRequest, pk: int, again: Any, what: str, kept: str) -> HttpResponse:
    """Queue a campaign's shots again at once (``again``: a service answering a RetriedBatch) and
    say how many (``what``, with {s} for the plural), and how many the license ``kept``."""
    actor, campaign = actor_of(request), _campaign(request, pk)
    require_perm(actor, Perm.MANAGE_CAMPAIGNS)
    try:
        done = again(actor=actor, campaign=campaign)
    except StudioError as exc:
        messages.error(request, exc.message)
    else:
        left = f"; {done.forbidden} {kept}, which the license no longer allows"
        messages.success(
            request,
            f"{done.jobs} {what.format(s=pluralize(done.jobs))} queued again, each with its seed"
            + (left if done.forbidden else "")
            + ".",
        )
    return _to_board(request, pk)


@login_required
@require_POST
def campaign_retry_failed(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_again(
        request, pk, services.render_jobs_retry_failed, "failed render{s}", "left failed"
    )


@login_required
@require_POST
def campaign_changed_again(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_again(
        request,
        pk,
        services.render_jobs_changed_again,
        "render{s} of changed looks or scenes",
        "kept as they are",
    )


@login_required
@require_POST
def campaign_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    actor, campaign = actor_of(request), _campaign(request, pk)
    try:
        done = services.render_jobs_cancel(actor=actor, campaign_id=campaign.pk)
    except StudioError as exc:
        messages.error(request, exc.message)
    else:
        _say_cancelled(request, done, "the campaign")
    return _to_board(request, pk)


def _say_cancelled(request: HttpRequest, done: Cancelled, whose: str) -> None:
    if done.queued or done.running:
        messages.success(
            request,
            f"{done.queued} queued render{pluralize(done.queued)} of {whose} cancelled"
            + (f"; {done.running} running stop at their next step" if done.running else "")
            + ".",
        )
    else:
        messages.info(request, f"Nothing of {whose} was left to cancel.")


@login_required
@require_POST
def batch_cancel(request: HttpRequest, pk: int, batch: UUID) -> HttpResponse:
    actor, campaign = actor_of(request), _campaign(request, pk)
    require_perm(actor, Perm.MANAGE_CAMPAIGNS)
    try:
        done = services.render_jobs_cancel(actor=actor, campaign_id=campaign.pk, batch=batch)
    except StudioError as exc:
        messages.error(request, exc.message)
    else:
        _say_cancelled(request, done, "the batch")
    return _to_board(request, pk)


@login_required
@require_POST
def batch_rush(request: HttpRequest, pk: int, batch: UUID) -> HttpResponse:
    """Send what is still queued of a batch ahead of everything else (rush priority)."""
    actor, campaign = actor_of(request), _campaign(request, pk)
    require_perm(actor, Perm.MANAGE_CAMPAIGNS)
    try:
        rushed = services.render_batch_prioritize(
            actor=actor, campaign=campaign, batch=batch, priority=Priority.RUSH
        )
    except StudioError as exc:
        messages.error(request, exc.message)
    else:
        if rushed:
            messages.success(request, f"{rushed} queued render{pluralize(rushed)} rushed.")
        else:
            messages.info(request, "Nothing of this batch was waiting to be rushed.")
    return _to_board(request, pk)


@login_required
@require_POST
def scene_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor, campaign = actor_of(request), _campaign(request, pk)
    require_perm(actor, Perm.MANAGE_CAMPAIGNS)
    form = SceneForm(request.POST, request.FILES)
    if form.is_valid() and service_call(
        request,
        lambda: services.scene_add(actor=actor, campaign=campaign, **form.cleaned_data),
        success=f"The scene {form.cleaned_data['name']} is added.",
    ):
        form = SceneForm()
    elif not request.htmx:  # type: ignore[attr-defined]  # the form shows its errors in place
        messages.error(
            request, "; ".join(str(e) for errors in form.errors.values() for e in errors)
        )
    return _scenes(request, campaign, form)


@login_required
@require_POST
def scene_remove(request: HttpRequest, pk: int, scene: int) -> HttpResponse:
    actor, campaign = actor_of(request), _campaign(request, pk)
    require_perm(actor, Perm.MANAGE_CAMPAIGNS)
    service_call(
        request,
        lambda: services.scene_remove(actor=actor, campaign=campaign, scene_id=scene),
        success="The scene is removed.",
    )
    return _scenes(request, campaign, SceneForm())


@login_required
@require_POST
def scene_edit(request: HttpRequest, pk: int, scene: int) -> HttpResponse:
    """Rename a scene, change its colour or prompt or image. The cards reload (htmx): renders
    of the scene as it was say so."""
    actor, campaign = actor_of(request), _campaign(request, pk)
    require_perm(actor, Perm.MANAGE_CAMPAIGNS)
    form = SceneEditForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        service_call(
            request,
            lambda: services.scene_update(
                actor=actor,
                campaign=campaign,
                scene_id=scene,
                name=data["name"],
                value=data["value"] if "value" in request.POST else None,
                image=data["image"],
            ),
            success=f"The scene {data['name']} is saved.",
        )
    else:
        messages.error(
            request, "; ".join(str(e) for errors in form.errors.values() for e in errors)
        )
    answer = _scenes(request, campaign, SceneForm())
    answer["HX-Trigger"] = "board-changed"
    return answer


def _scenes(request: HttpRequest, campaign: Campaign, form: SceneForm) -> HttpResponse:
    """After adding, changing or removing a scene: the scenes again where htmx asked, else the
    board."""
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("campaign-board", pk=campaign.pk)
    context = {
        "campaign": campaign,
        "scenes": list(selectors.scene_list(campaign=campaign)),
        "scene_form": form,
        "open": True,
    }
    return render(request, "campaigns/_board_scenes_answer.html", context)


@login_required
def matrix_builder(request: HttpRequest, pk: int) -> HttpResponse:
    """Pick looks × twins × poses × scenes × formats × variants; "Plan" shows the count, the
    GPU time against the budget and what is forbidden; "Queue" queues the allowed shots."""
    actor, campaign = actor_of(request), _campaign(request, pk)
    require_perm(actor, Perm.MANAGE_CAMPAIGNS)
    form = MatrixForm(
        request.POST or None,
        looks=selectors.look_list(actor=actor),
        twins=selectors.licensed_twins(actor=actor),
        scenes=campaign.scenes.all(),
        initial={"formats": ["4:5"], "poses": ["standing-front"], "priority": Priority.NORMAL},
    )
    plan, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if request.POST.get("action") == "queue":
                    batch = services.matrix_queue(actor=actor, campaign=campaign, spec=form.spec())
                    skipped = len(batch.forbidden)
                    messages.success(
                        request,
                        f"{batch.jobs} render{pluralize(batch.jobs)} queued"
                        + (
                            f"; {skipped} forbidden combination{pluralize(skipped)} skipped"
                            if skipped
                            else ""
                        )
                        + (
                            f"; {batch.already} shot{pluralize(batch.already)} already in the"
                            " matrix"
                            if batch.already
                            else ""
                        )
                        + ".",
                    )
                    return redirect("campaign-board", pk=pk)
                plan = services.matrix_plan(actor=actor, campaign=campaign, spec=form.spec())
            except StudioError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
        else:
            status = 400
    return render(
        request,
        "campaigns/matrix_builder.html",
        {"campaign": campaign, "form": form, "plan": plan, **_look_picks(request, actor, form)},
        status=status,
    )


def _look_picks(request: HttpRequest, actor: Actor, form: MatrixForm) -> dict[str, Any]:
    """The matrix builder's look cards: those ticked, then the first others the search finds."""
    search = str((request.POST or request.GET).get("q", "")).strip()
    picks, total = form.look_picks(selectors.look_list(actor=actor, search=search))
    return {
        "chosen_looks": form.chosen_looks(),
        "look_picks": picks,
        "looks_total": total,
        "q": search,
    }


@login_required
def matrix_looks(request: HttpRequest, pk: int) -> HttpResponse:
    """The look cards that match a search, less the looks ticked (sent along): htmx swaps them
    in as the director types."""
    actor, campaign = actor_of(request), _campaign(request, pk)
    require_perm(actor, Perm.MANAGE_CAMPAIGNS)
    form = MatrixForm(
        request.GET,
        looks=selectors.look_list(actor=actor),
        twins=selectors.licensed_twins(actor=actor),
        scenes=campaign.scenes.all(),
    )
    context = {"campaign": campaign, **_look_picks(request, actor, form)}
    return render(request, "campaigns/_matrix_look_picks.html", context)


@login_required
def shot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One shot large, with every render made of it, seed by seed, and their parameters."""
    shot = get_object_or_404(
        selectors.shot_list(actor=actor_of(request)).select_related("campaign"), pk=pk
    )
    jobs = shot.job_list  # type: ignore[attr-defined]
    renders = [job.render for job in jobs if job.state == JobState.SUCCEEDED]
    # Shown large: the render picked below (?show=), else the newest.
    chosen = next((r for r in renders if str(r.pk) == request.GET.get("show")), None)
    board = request.GET.copy()
    board.pop("show", None)
    return render(
        request,
        "campaigns/shot_detail.html",
        {
            "shot": shot,
            "jobs": jobs,
            "shown": chosen or (renders[0] if renders else None),
            "outdated": {job.pk for job in jobs if render_outdated(job)},
            "chosen": chosen is not None,
            "pose": POSES.get(shot.pose),
            "size": FORMATS.get(shot.format),
            "live": any(job.state in JOB_ACTIVE for job in jobs),
            "board_query": board.urlencode(),  # the board's filters, to go back and step on
            "here_query": request.GET.urlencode(),  # and the render shown, to stay on it
            # htmx's poll takes #shot-body alone: the board's order is not read again for it.
            **({} if request.htmx else _shot_neighbours(request, shot)),  # type: ignore[attr-defined]
        },
    )


def _shot_neighbours(request: HttpRequest, shot: Shot) -> dict[str, Any]:
    """Where the shot sits on the board as filtered (the query string carries the board's
    filters), to step through it shot by shot; on the whole board when the filters no longer
    hold it (a shot taken off the shortlist, say)."""
    query = QueryDict(mutable=True)  # the filters set, without the board's page
    for name, values in request.GET.lists():
        if name not in ("page", "show") and any(values):
            query.setlist(name, [value for value in values if value])
    _, data, shots = _board_shots(request, shot.campaign)
    filtered = any(data.values())
    order = list(shots.values_list("pk", flat=True))
    if shot.pk not in order:
        query, filtered = QueryDict(mutable=True), False
        order = list(
            selectors.shot_board(actor=actor_of(request), campaign=shot.campaign).values_list(
                "pk", flat=True
            )
        )
    at = order.index(shot.pk)
    return {
        "query": query.urlencode(),
        "filtered": filtered,
        "position": at + 1,
        "total": len(order),
        "previous_shot": order[at - 1] if at > 0 else None,
        "next_shot": order[at + 1] if at + 1 < len(order) else None,
    }


def _back(request: HttpRequest, job: RenderJob) -> HttpResponseRedirect:
    """Back to where the action was taken: the shot's page, or the board with its filters,
    scrolled to the shot's card (not to the top of a board of hundreds)."""
    on_shot = request.POST.get("back") == "shot"
    if on_shot:
        target = reverse("shot-detail", args=[job.shot_id])
    else:
        target = reverse("campaign-board", args=[job.campaign_id])
    query = request.POST.get("query", "")
    anchor = "" if on_shot else f"#shot-{job.shot_id}"
    return redirect((f"{target}?{query}" if query else target) + anchor)


def _from_card(request: HttpRequest) -> bool:
    """Posted by htmx from a card of the board (not from a shot's page)?"""
    return bool(request.htmx) and request.POST.get("back") != "shot"  # type: ignore[attr-defined]


def _in_place(request: HttpRequest, *, changed: bool, **card: Any) -> HttpResponse:
    """The answer to a board action posted by htmx: what happened, in the messages (out of
    band), with the card it changed if given; where ``changed``, the board's cards reload
    themselves (they poll again when a render was queued)."""
    response = render(request, "campaigns/_in_place.html", card)
    if changed:
        response["HX-Trigger"] = "board-changed"
    return response


def _to_board(request: HttpRequest, pk: int) -> HttpResponse:
    """After an action on the whole campaign or a batch: answered in place where htmx posted it
    (the cards, batches and actions then reload themselves), else the board again."""
    if request.htmx:  # type: ignore[attr-defined]
        return _in_place(request, changed=True)
    return redirect("campaign-board", pk=pk)


def _job_action(request: HttpRequest, pk: UUID, action: Any, success: str) -> HttpResponse:
    """Cancel, retry or a new seed. From a card (htmx) the board's cards reload themselves in
    place (they poll again while anything renders); otherwise back where it was asked."""
    actor = actor_of(request)
    job = get_object_or_404(selectors.job_list(actor=actor), pk=pk)
    done = service_call(request, lambda: action(actor=actor, job=job), success=success)
    if _from_card(request):
        return _in_place(request, changed=done)
    return _back(request, job)


@login_required
@require_POST
def job_cancel(request: HttpRequest, pk: UUID) -> HttpResponse:
    return _job_action(request, pk, services.render_job_cancel, "The render is cancelled.")


@login_required
@require_POST
def job_retry(request: HttpRequest, pk: UUID) -> HttpResponse:
    return _job_action(request, pk, services.render_job_retry, "The render is queued again.")


@login_required
@require_POST
def job_rerender(request: HttpRequest, pk: UUID) -> HttpResponse:
    return _job_action(
        request, pk, services.render_job_rerender, "A new render with a new seed is queued."
    )


@login_required
@require_POST
def render_shortlist(request: HttpRequest, pk: int) -> HttpResponse:
    """Shortlist a render, or take it off. From the board's card (htmx) the card comes back
    changed, with the shortlist's count; otherwise back to where it was asked."""
    actor = actor_of(request)
    item = get_object_or_404(selectors.render_list(actor=actor), pk=pk)
    on = request.POST.get("shortlisted") == "1"
    done = service_call(
        request,
        lambda: services.render_shortlist(actor=actor, render=item, shortlisted=on),
        success="Shortlisted." if on else "Taken off the shortlist.",
    )
    if not _from_card(request):
        return _back(request, item.job)
    if not done:
        return _in_place(request, changed=False)
    campaign, shot_id = item.job.campaign, item.job.shot_id
    shot = get_object_or_404(selectors.shot_board(actor=actor, campaign=campaign), pk=shot_id)
    job = shot.job_list[0]  # type: ignore[attr-defined]
    return _in_place(
        request,
        changed=False,  # the card comes back itself
        shot=shot,
        job=job,
        outdated={job.pk} if render_outdated(job) else set(),
        query=request.POST.get("query", ""),
        counts=selectors.board_counts(actor=actor, campaign=campaign),
    )


@login_required
def render_image_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = get_object_or_404(selectors.render_list(actor=actor_of(request)), pk=pk)
    return media_response(item.image)


@login_required
def render_thumbnail_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = get_object_or_404(selectors.render_list(actor=actor_of(request)), pk=pk)
    return media_response(item.thumbnail or item.image)


@login_required
def scene_image_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    actor = actor_of(request)
    campaigns = selectors.campaign_list(actor=actor)
    scene = get_object_or_404(Scene.objects.filter(campaign__in=campaigns), pk=pk)
    if not scene.image:
        raise Http404("This scene has no image.")
    return media_response(scene.image)


@login_required
def render_farm(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_perm(actor, Perm.MANAGE_CAMPAIGNS)
    template = "campaigns/_farm_live.html" if request.htmx else "campaigns/render_farm.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {"farm": selectors.render_farm(actor=actor)},
    )
