from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from campaigns import selectors, services
from campaigns.forms import (
    GarmentEditForm,
    GarmentFilterForm,
    GarmentForm,
    GarmentImportForm,
    LookFilterForm,
    LookForm,
    MaskForm,
    StrokesForm,
)
from campaigns.models import Garment, Look
from studio.enums import Perm
from studio.errors import StudioError
from studio.media import media_response
from studio.permissions import Actor, actor_of
from studio.views import paginate, require_perm, service_call


@login_required
def garment_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_perm(actor, Perm.VIEW_BRAND)
    filters = GarmentFilterForm(request.GET, seasons=selectors.garment_seasons(actor=actor))
    filters.is_valid()  # a filter that is not among the choices filters nothing
    garments = selectors.garment_list(
        actor=actor,
        search=filters.cleaned_data.get("q", ""),
        category=filters.cleaned_data.get("category", ""),
        season=filters.cleaned_data.get("season", ""),
        cutout=filters.cleaned_data.get("cutout", ""),
        archived=filters.cleaned_data.get("shelf") == "archived",
    )
    form = GarmentForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        require_perm(actor, Perm.MANAGE_GARMENTS)
        if form.is_valid():
            try:
                garment = services.garment_create(actor=actor, **form.cleaned_data)
            except StudioError as exc:
                form.add_error(exc.field or None, exc.message)
            else:
                messages.success(request, f"{garment.name} added to the catalogue.")
                return redirect("garment-list")
        status = 400
    template = "campaigns/_garment_grid.html" if request.htmx else "campaigns/garment_list.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {"page": paginate(request, garments, 24), "form": form, "filters": filters},
        status=status,
    )


IMPORT_ERRORS_SHOWN = 100  # a feed of 20,000 rows in a wrong shape is not 20,000 table rows


@login_required
def garment_import(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_perm(actor, Perm.MANAGE_GARMENTS)
    form = GarmentImportForm(request.POST or None, request.FILES or None)
    report, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                report = services.garment_import_csv(actor=actor, file=form.cleaned_data["feed"])
            except StudioError as exc:
                form.add_error("feed", exc.message)
                status = 400
        else:
            status = 400
    errors = report.errors if report else []
    context = {
        "form": form,
        "report": report,
        "errors": errors[:IMPORT_ERRORS_SHOWN],
        "errors_more": max(0, len(errors) - IMPORT_ERRORS_SHOWN),
    }
    return render(request, "campaigns/garment_import.html", context, status=status)


# How a stylist corrects a cut-out: the form, the service and what the page says once done.
CORRECTIONS: dict[str, tuple[type[Form], Callable[..., Garment], str]] = {
    "strokes": (
        StrokesForm,
        services.garment_cutout_refine,
        "The cut-out follows your strokes now.",
    ),
    "mask": (MaskForm, services.garment_mask_correct, "The cut-out follows your mask now."),
    "compute": (
        Form,
        services.garment_cutout_compute,
        "The cut-out is computed from the packshot again.",
    ),
}


@login_required
def garment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    garment = get_object_or_404(selectors.garment_list(actor=actor), pk=pk)
    posted = request.POST.get("correct", "mask") if request.method == "POST" else None
    correction_forms = {
        name: form_class(request.POST, request.FILES) if name == posted else form_class()
        for name, (form_class, _service, _done) in CORRECTIONS.items()
    }
    status = 200
    if posted is not None:
        require_perm(actor, Perm.MANAGE_GARMENTS)
        status = 400
    if posted in CORRECTIONS:
        form, (_form_class, service, done) = correction_forms[posted], CORRECTIONS[posted]
        if form.is_valid():
            try:
                service(actor=actor, garment=garment, **form.cleaned_data)
            except StudioError as exc:
                form.add_error(posted if posted in form.fields else None, exc.message)
                garment.refresh_from_db()  # the page shows the cut-out as it is now
            else:
                messages.success(request, done)
                return redirect("garment-detail", pk=garment.pk)
    return render(
        request,
        "campaigns/garment_detail.html",
        {
            "garment": garment,
            "looks": selectors.garment_looks(actor=actor, garment=garment),
            **{f"{name}_form": form for name, form in correction_forms.items()},
        },
        status=status,
    )


@login_required
def garment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    require_perm(actor, Perm.MANAGE_GARMENTS)
    garment = get_object_or_404(selectors.garment_list(actor=actor), pk=pk)
    initial = {
        "name": garment.name,
        "category": garment.category,
        "colourways": ", ".join(garment.colourways),
        "sizes": ", ".join(garment.sizes),
        "season": garment.season,
    }
    form = GarmentEditForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.garment_update(actor=actor, garment=garment, **form.cleaned_data)
            except StudioError as exc:
                form.add_error(exc.field or None, exc.message)
            else:
                messages.success(request, f"{garment.sku} is saved.")
                return redirect("garment-detail", pk=garment.pk)
        status = 400
    return render(
        request, "campaigns/garment_form.html", {"garment": garment, "form": form}, status=status
    )


@login_required
def garment_packshot_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    garment = get_object_or_404(selectors.garment_list(actor=actor_of(request)), pk=pk)
    return media_response(garment.packshot)


@login_required
def garment_cutout_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    garment = get_object_or_404(selectors.garment_list(actor=actor_of(request)), pk=pk)
    return media_response(garment.cutout)


@login_required
def look_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_perm(actor, Perm.VIEW_BRAND)
    filters = LookFilterForm(request.GET)
    filters.is_valid()  # a garment that is not a number filters nothing
    search, garment_id = filters.cleaned_data.get("q", ""), filters.cleaned_data.get("garment")
    garment = (
        get_object_or_404(selectors.garment_list(actor=actor), pk=garment_id)
        if garment_id
        else None
    )
    looks = selectors.look_list(actor=actor, search=search, garment=garment_id)
    return render(
        request,
        "campaigns/look_list.html",
        {
            "page": paginate(request, looks, 24),
            "filters": filters,
            "garment": garment,
            "filtered": bool(search or garment),
        },
    )


def _look_form(request: HttpRequest, look: Look | None) -> HttpResponse:
    actor = actor_of(request)
    require_perm(actor, Perm.MANAGE_LOOKS)
    initial = (
        {
            "name": look.name,
            "notes": look.notes,
            "garments": [item.garment for item in look.items.all()],
            "layers": {item.garment_id: item.layer for item in look.items.all()},
        }
        if look
        else None
    )
    form = LookForm(
        request.POST or None, initial=initial, garments=selectors.garment_list(actor=actor)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            items = [
                services.LookItemInput(pk, layer)
                for pk, layer in form.cleaned_data["layers"].items()
            ]
            try:
                saved = services.look_save(
                    actor=actor,
                    look=look,
                    items=items,
                    name=form.cleaned_data["name"],
                    notes=form.cleaned_data["notes"],
                )
            except StudioError as exc:
                form.add_error("garments", exc.message)
            else:
                messages.success(request, f"{saved.name} is saved.")
                return redirect("look-detail", pk=saved.pk)
        status = 400
    context = {"form": form, "look": look, **_catalogue(request, actor, form)}
    return render(request, "campaigns/look_form.html", context, status=status)


def _catalogue(request: HttpRequest, actor: Actor, form: LookForm) -> dict[str, Any]:
    """The builder's catalogue cards for the search and season asked for."""
    asked = request.POST or request.GET
    search, season = str(asked.get("q", "")).strip(), str(asked.get("season", ""))
    garments = selectors.garment_list(actor=actor, search=search, season=season, archived=False)
    return {
        "catalogue": form.catalogue(garments),
        "q": search,
        "season": season,
        "seasons": selectors.garment_seasons(actor=actor),
        "searched": bool(search or season),
    }


@login_required
def look_picks(request: HttpRequest) -> HttpResponse:
    """The builder's catalogue cards that match a search, less the garments chosen already
    (sent along): htmx swaps them in as the stylist types."""
    actor = actor_of(request)
    require_perm(actor, Perm.MANAGE_LOOKS)
    form = LookForm(request.GET, garments=selectors.garment_list(actor=actor))
    context = {"form": form, **_catalogue(request, actor, form)}
    return render(request, "campaigns/_look_picks.html", context)


@login_required
def look_create(request: HttpRequest) -> HttpResponse:
    return _look_form(request, None)


@login_required
def look_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _look_form(
        request, get_object_or_404(selectors.look_list(actor=actor_of(request)), pk=pk)
    )


@login_required
def look_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    look = get_object_or_404(selectors.look_list(actor=actor), pk=pk)
    return render(
        request,
        "campaigns/look_detail.html",
        {
            "look": look,
            "wearers": selectors.look_wearers(actor=actor, look=look),
            "shots": selectors.look_shots(look=look),
        },
    )


@login_required
@require_POST
def look_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    look = get_object_or_404(selectors.look_list(actor=actor), pk=pk)
    require_perm(actor, Perm.MANAGE_LOOKS)
    deleted = service_call(
        request,
        lambda: services.look_delete(actor=actor, look=look),
        success=f"The look {look.name} is deleted.",
    )
    return redirect("look-list") if deleted else redirect("look-detail", pk=pk)


@login_required
@require_POST
def garment_archive(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    garment = get_object_or_404(selectors.garment_list(actor=actor), pk=pk)
    require_perm(actor, Perm.MANAGE_GARMENTS)
    archived = request.POST.get("archived") == "1"
    service_call(
        request,
        lambda: services.garment_archive(actor=actor, garment=garment, archived=archived),
        success=f"{garment.name} is "
        + ("archived: new looks no longer offer it." if archived else "back in the catalogue."),
    )
    return redirect("garment-detail", pk=pk)


@login_required
@require_POST
def garment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    garment = get_object_or_404(selectors.garment_list(actor=actor), pk=pk)
    require_perm(actor, Perm.MANAGE_GARMENTS)
    deleted = service_call(
        request,
        lambda: services.garment_delete(actor=actor, garment=garment),
        success=f"{garment.name} is deleted from the catalogue.",
    )
    return redirect("garment-list") if deleted else redirect("garment-detail", pk=pk)


@login_required
@require_POST
def look_duplicate(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    look = get_object_or_404(selectors.look_list(actor=actor), pk=pk)
    copy: list[Look] = []
    service_call(
        request,
        lambda: copy.append(services.look_duplicate(actor=actor, look=look)),
        success=lambda: f"{look.name} is duplicated as {copy[0].name}.",
    )
    return redirect("look-detail", pk=copy[0].pk if copy else look.pk)
