"""Licensing pages: the talent's side (terms, licenses, earnings) and the brand's side
(twin catalogue, license requests, statements)."""

import csv
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from studio.enums import Perm
from studio.errors import NotFound, StudioError
from studio.permissions import Actor, actor_of, user_of
from studio.views import paginate, require_perm, service_call
from twins import selectors, services
from twins.enums import LicenseStatus
from twins.forms import (
    CatalogueFilterForm,
    MonthForm,
    ReasonForm,
    StandingTermsForm,
    TermsForm,
    UsageFilterForm,
)
from twins.models import License
from twins.views import talent_or_404


def _month(request: HttpRequest) -> date:
    form = MonthForm(request.GET)
    if form.is_valid() and form.cleaned_data["month"]:
        month: date = form.cleaned_data["month"]
        return month
    return timezone.localdate().replace(day=1)


# What a spreadsheet reads as the start of a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
STATEMENT_PAGE = 50


def _cell(value: object) -> object:
    """A value as a spreadsheet shows it and never runs it: names come from the other side (a
    talent's, a twin's), and one that starts like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _statement_page(
    request: HttpRequest, statement: selectors.Statement, scope: object
) -> HttpResponse:
    page = paginate(request, statement.lines, STATEMENT_PAGE)
    context = {"statement": statement, "page": page, "scope": scope}
    return render(request, "twins/statement.html", context)


STATEMENT_COLUMNS = {  # the CSV's columns, and the fields they hold
    "date": "used_on",
    "brand": "license__brand__name",
    "talent": "license__twin__talent__display_name",
    "twin": "license__twin__name",
    "license": "license_id",
    "kind": "kind",
    "asset": "asset_ref",
    "channel": "channel",
    "markets": "markets",
    "amount": "amount",
    "currency": "currency",
}


def _statement_response(statement: selectors.Statement, filename: str) -> HttpResponse:
    """Every line of the month, read as rows rather than objects: a month can hold tens of
    thousands."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(STATEMENT_COLUMNS)
    rows = statement.lines.values_list(*STATEMENT_COLUMNS.values())
    markets = list(STATEMENT_COLUMNS).index("markets")
    for row in rows.iterator(chunk_size=2000):
        cells = list(row)
        cells[markets] = " ".join(cells[markets])
        writer.writerow([_cell(value) for value in cells])
    for currency, total in statement.totals.items():
        writer.writerow(["total", "", "", "", "", "", "", "", "", total, currency])
    return response


# --- The talent's side ----------------------------------------------------------------------------
@login_required
def talent_terms(request: HttpRequest, pk: int) -> HttpResponse:
    talent = talent_or_404(request, pk)
    terms = selectors.standing_terms_of(talent=talent)
    is_talent = talent.user_id == user_of(request).pk
    initial = {
        "excluded_categories": terms.excluded_categories,
        "excluded_content_tags": terms.excluded_content_tags,
        "blocked_brands": list(terms.blocked_brands.all()) if terms.pk else [],
        "agency_needs_confirmation": terms.agency_needs_confirmation,
    }
    form = StandingTermsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.standing_terms_update(
                    actor=user_of(request), talent=talent, **form.cleaned_data
                )
            except StudioError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Your standing terms apply to every brand from now on.")
                return redirect("talent-terms", pk=talent.pk)
        status = 400
    return render(
        request,
        "twins/terms.html",
        {"talent": talent, "terms": terms, "form": form, "editable": is_talent},
        status=status,
    )


@login_required
def talent_licenses(request: HttpRequest, pk: int) -> HttpResponse:
    talent = talent_or_404(request, pk)
    licenses = selectors.license_list_for_user(user=user_of(request), talent=talent)
    status = request.GET.get("status", "")
    if status in LicenseStatus.values:
        licenses = licenses.filter(status=status)
    return render(
        request,
        "twins/talent_licenses.html",
        {
            "talent": talent,
            "page": paginate(request, licenses),
            "status": status,
            "statuses": LicenseStatus.choices,
            "reason_form": ReasonForm(),
        },
    )


def _talent_license(request: HttpRequest, pk: int) -> License:
    return get_object_or_404(selectors.license_list_for_user(user=user_of(request)), pk=pk)


@login_required
@require_POST
def talent_license_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    license = _talent_license(request, pk)
    user = user_of(request)
    reason = request.POST.get("reason", "")
    calls = {
        "accept": (
            lambda: services.license_accept(actor=user, license=license),
            f"The license for {license.brand.name} is active.",
        ),
        "decline": (
            lambda: services.license_decline(actor=user, license=license, reason=reason),
            f"You declined {license.brand.name}'s request.",
        ),
        "revoke": (
            lambda: services.license_revoke(actor=user, license=license, reason=reason),
            f"{license.brand.name} may no longer use your twin for anything new.",
        ),
    }
    if action not in calls:
        raise Http404("No such action.")
    call, success = calls[action]
    service_call(request, call, success=success)
    return redirect("talent-licenses", pk=license.twin.talent_id)


def _counter(
    request: HttpRequest, license: License, actor: User | Actor, back: str
) -> HttpResponse:
    form = TermsForm(request.POST or None, initial=TermsForm.initial_from(license))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.license_counter(
                    actor=actor,
                    license=license,
                    terms=form.terms(),
                )
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except StudioError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Your terms went to the other side.")
                return redirect(back)
        status = 400
    return render(
        request,
        "twins/license_terms_form.html",
        {"form": form, "license": license, "title": "Counter with other terms"},
        status=status,
    )


@login_required
def talent_license_counter(request: HttpRequest, pk: int) -> HttpResponse:
    license = _talent_license(request, pk)
    back = reverse("talent-licenses", args=[license.twin.talent_id])
    return _counter(request, license, user_of(request), back)


@login_required
def talent_earnings(request: HttpRequest, pk: int) -> HttpResponse:
    talent = talent_or_404(request, pk)
    statement = selectors.statement_for_talent(
        user=user_of(request), talent=talent, month=_month(request)
    )
    if request.GET.get("format") == "csv":
        return _statement_response(statement, f"earnings-{talent.pk}-{statement.month:%Y-%m}.csv")
    return _statement_page(request, statement, talent)


@login_required
def talent_usage(request: HttpRequest, pk: int) -> HttpResponse:
    """Where my likeness is used: live licenses and every published asset."""
    talent = talent_or_404(request, pk)
    user = user_of(request)
    live = selectors.license_list_for_user(user=user, talent=talent).filter(
        status=LicenseStatus.ACTIVE
    )
    filters = UsageFilterForm(
        request.GET,
        brands=list(selectors.licensee_brands(talent=talent)),
        twins=list(talent.twins.order_by("name")),
    )
    filters.is_valid()  # a filter that is not among the choices filters nothing
    asked = {name: value for name, value in filters.cleaned_data.items() if value}
    uses = selectors.likeness_uses(user=user, talent=talent, **asked)
    context = {"talent": talent, "live": live, "filters": filters, "filtered": bool(asked)}
    return render(request, "twins/usage.html", {**context, "page": paginate(request, uses)})


# --- The brand's side -----------------------------------------------------------------------------
@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_perm(actor, Perm.VIEW_BRAND)
    filters = CatalogueFilterForm(request.GET)
    filters.is_valid()  # a filter that is not among the choices filters nothing
    twins = selectors.twin_catalogue(
        actor=actor,
        search=filters.cleaned_data.get("q", ""),
        licensed=filters.cleaned_data.get("licensed", ""),
    )
    return render(
        request,
        "twins/catalogue.html",
        {
            "page": paginate(request, twins, 24),
            "filters": filters,
            "filtered": any(filters.cleaned_data.values()),
        },
    )


@login_required
def license_request(request: HttpRequest, twin_pk: int) -> HttpResponse:
    actor = actor_of(request)
    require_perm(actor, Perm.REQUEST_LICENSES)
    twin = get_object_or_404(selectors.twin_catalogue(actor=actor), pk=twin_pk)
    form = TermsForm(request.POST or None, initial={"currency": "EUR", "exclusivity": "none"})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.license_request(actor=actor, twin=twin, terms=form.terms())
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except StudioError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Your request went to {twin.talent.display_name}.")
                return redirect("brand-licenses")
        status = 400
    return render(
        request,
        "twins/license_terms_form.html",
        {"form": form, "twin": twin, "title": f"Request a license for {twin}"},
        status=status,
    )


@login_required
def brand_licenses(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_perm(actor, Perm.VIEW_BRAND)
    licenses = selectors.license_list_for_brand(actor=actor)
    status = request.GET.get("status", "")
    if status in LicenseStatus.values:
        licenses = licenses.filter(status=status)
    return render(
        request,
        "twins/brand_licenses.html",
        {
            "page": paginate(request, licenses),
            "status": status,
            "statuses": LicenseStatus.choices,
        },
    )


def _brand_license(request: HttpRequest, pk: int) -> License:
    actor = actor_of(request)
    require_perm(actor, Perm.REQUEST_LICENSES)
    return get_object_or_404(selectors.license_list_for_brand(actor=actor), pk=pk)


@login_required
@require_POST
def brand_license_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    license = _brand_license(request, pk)
    actor = actor_of(request)
    calls = {
        "accept": (
            lambda: services.license_accept_counter(actor=actor, license=license),
            "The license is active.",
        ),
        "withdraw": (
            lambda: services.license_decline(actor=actor, license=license),
            "You withdrew the request.",
        ),
    }
    if action not in calls:
        raise Http404("No such action.")
    call, success = calls[action]
    service_call(request, call, success=success)
    return redirect("brand-licenses")


@login_required
def brand_license_counter(request: HttpRequest, pk: int) -> HttpResponse:
    return _counter(
        request, _brand_license(request, pk), actor_of(request), reverse("brand-licenses")
    )


@login_required
def brand_statement(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_perm(actor, Perm.REQUEST_LICENSES)
    statement = selectors.statement_for_brand(actor=actor, month=_month(request))
    if request.GET.get("format") == "csv":
        return _statement_response(statement, f"usage-{statement.month:%Y-%m}.csv")
    return _statement_page(request, statement, actor.brand)
