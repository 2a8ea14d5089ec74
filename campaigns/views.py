from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render

from campaigns import selectors, services
from campaigns.forms import GarmentFilterForm, GarmentForm
from studio.enums import Perm
from studio.errors import StudioError
from studio.media import media_response
from studio.permissions import actor_of
from studio.views import paginate, require_perm


@login_required
def garment_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_perm(actor, Perm.VIEW_BRAND)
    filters = GarmentFilterForm(request.GET)
    filters.is_valid()
    garments = selectors.garment_list(
        actor=actor,
        search=filters.cleaned_data.get("q", ""),
        category=filters.cleaned_data.get("category", ""),
    )
    form = GarmentForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        require_perm(actor, Perm.MANAGE_GARMENTS)
        if form.is_valid():
            try:
                garment = services.garment_create(actor=actor, **form.cleaned_data)
            except StudioError as exc:
                form.add_error("cutout" if exc.code.startswith("image") else None, exc.message)
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


@login_required
def garment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    garment = get_object_or_404(selectors.garment_list(actor=actor_of(request)), pk=pk)
    return render(request, "campaigns/garment_detail.html", {"garment": garment})


@login_required
def garment_cutout_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    garment = get_object_or_404(selectors.garment_list(actor=actor_of(request)), pk=pk)
    return media_response(garment.cutout)
