from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from studio.errors import NotFound, StudioError
from studio.media import media_response
from studio.permissions import user_of
from studio.views import paginate, service_call
from twins import selectors, services
from twins.forms import AgreementForm, CapturePhotoFilterForm, CapturePhotoForm, ReasonForm
from twins.models import Talent
from twins.permissions import talent_require


def talent_or_404(request: HttpRequest, pk: int) -> Talent:
    try:
        return talent_require(user_of(request), pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
def talent_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    talents = selectors.talent_list(user=user_of(request), search=search)
    return render(
        request, "twins/talent_list.html", {"page": paginate(request, talents), "search": search}
    )


@login_required
def talent_detail(request: HttpRequest, pk: int) -> HttpResponse:
    talent = talent_or_404(request, pk)
    twins = selectors.twin_list(user=user_of(request)).filter(talent=talent)
    return render(request, "twins/talent_detail.html", {"talent": talent, "twins": twins})


@login_required
def talent_audit(request: HttpRequest, pk: int) -> HttpResponse:
    talent = talent_or_404(request, pk)
    events = selectors.audit_list_for_talent(user=user_of(request), talent=talent)
    return render(
        request, "studio/audit_log.html", {"page": paginate(request, events), "scope": talent}
    )


@login_required
def twin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    twin = get_object_or_404(selectors.twin_list(user=user_of(request)), pk=pk)
    form = CapturePhotoForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.capture_photo_add(
                    actor=user_of(request),
                    twin=twin,
                    upload=form.cleaned_data["image"],
                    angle=form.cleaned_data["angle"],
                    framing=form.cleaned_data["framing"],
                    lighting=form.cleaned_data["lighting"],
                )
            except StudioError as exc:
                form.add_error("image" if exc.code.startswith("image") else None, exc.message)
            else:
                messages.success(request, "Photo added to the capture set.")
                return redirect("twin-detail", pk=twin.pk)
        status = 400
    filters = CapturePhotoFilterForm(request.GET)
    filters.is_valid()  # a filter that is not among the choices filters nothing
    photos = selectors.capture_photo_list(user=user_of(request), twin=twin, **filters.cleaned_data)
    return render(
        request,
        "twins/twin_detail.html",
        {
            "twin": twin,
            "filters": filters,
            "filtered": any(filters.cleaned_data.values()),
            "page": paginate(request, photos, 48),
            "form": form,
            "agreement": services.agreement_in_force(twin, timezone.localdate()),
            "agreements": selectors.agreements_of(user=user_of(request), twin=twin),
            "is_talent": twin.talent.user_id == user_of(request).pk,
            "agreement_form": AgreementForm(initial={"starts_on": timezone.localdate()}),
            "reason_form": ReasonForm(),
            "versions": selectors.version_list(user=user_of(request), twin=twin),
        },
        status=status,
    )


@login_required
def capture_photo_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    photo = get_object_or_404(selectors.capture_photo_visible(user=user_of(request)), pk=pk)
    return media_response(photo.image)


@login_required
@require_POST
def twin_agreement_sign(request: HttpRequest, pk: int) -> HttpResponse:
    twin = get_object_or_404(selectors.twin_list(user=user_of(request)), pk=pk)
    form = AgreementForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "The agreement needs every field: "
            + "; ".join(
                f"{name}: {' '.join(map(str, errors))}" for name, errors in form.errors.items()
            ),
        )
        return redirect("twin-detail", pk=twin.pk)
    service_call(
        request,
        lambda: services.agreement_sign(actor=user_of(request), twin=twin, **form.cleaned_data),
        success="You signed the replica agreement; the capture set can be taken in.",
    )
    return redirect("twin-detail", pk=twin.pk)


@login_required
@require_POST
def twin_consent_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    twin = get_object_or_404(selectors.twin_list(user=user_of(request)), pk=pk)
    reason = request.POST.get("reason", "")
    service_call(
        request,
        lambda: services.twin_consent_revoke(actor=user_of(request), twin=twin, reason=reason),
        success="Consent withdrawn: every license of this twin has ended, its renders and training"
        " stopped.",
    )
    return redirect("twin-detail", pk=twin.pk)


@login_required
def twin_coverage(request: HttpRequest, pk: int) -> HttpResponse:
    twin = get_object_or_404(selectors.twin_list(user=user_of(request)), pk=pk)
    return render(
        request,
        "twins/coverage.html",
        {"twin": twin, "coverage": selectors.twin_coverage(twin=twin)},
    )


@login_required
def twin_versions(request: HttpRequest, pk: int) -> HttpResponse:
    """The versions panel (an htmx partial that polls while a version trains); POST trains."""
    twin = get_object_or_404(selectors.twin_list(user=user_of(request)), pk=pk)
    if request.method == "POST":
        service_call(
            request,
            lambda: services.twin_version_train(actor=user_of(request), twin=twin),
            success="Training is queued; progress shows here.",
        )
        return redirect("twin-detail", pk=twin.pk)
    return render(
        request,
        "twins/_versions.html",
        {"twin": twin, "versions": selectors.version_list(user=user_of(request), twin=twin)},
    )


@login_required
@require_POST
def twin_version_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    version = get_object_or_404(selectors.version_list(user=user_of(request)), pk=pk)
    user = user_of(request)
    if action == "cancel":
        service_call(
            request,
            lambda: services.twin_version_cancel(actor=user, version=version),
            success=f"Version {version.number} is cancelled.",
        )
    elif action == "retire":
        service_call(
            request,
            lambda: services.twin_version_retire(actor=user, version=version),
            success=f"Version {version.number} is retired and will not be rendered.",
        )
    else:
        raise Http404("No such action.")
    return redirect("twin-detail", pk=version.twin_id)
