from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from studio import selectors, services
from studio.dashboard import panels_for
from studio.enums import Perm
from studio.errors import NotFound, StudioError
from studio.forms import MemberAddForm, MemberRoleForm
from studio.middleware import SESSION_BRAND_KEY
from studio.permissions import Actor, actor_of

PAGE_SIZE = 25


def paginate(request: HttpRequest, queryset: object, per_page: int = PAGE_SIZE) -> object:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))  # type: ignore[arg-type]


def require_perm(actor: Actor, perm: Perm) -> None:
    """Pages a role may not use are 404, like another brand's objects: nothing to learn there."""
    if not actor.has(perm):
        raise Http404("No such page for your role.")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico where no page names the icon: a picture opened in a tab of
    its own, say. Not a permanent redirect: the icon's address changes with its content."""
    return HttpResponseRedirect(static("favicon.svg"))


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "studio/dashboard.html", {"panels": panels_for(request)})


@login_required
@require_POST
def brand_switch(request: HttpRequest) -> HttpResponse:
    slug = request.POST.get("brand", "")
    membership = selectors.memberships_of(actor=actor_of(request)).filter(brand__slug=slug).first()
    if membership is None:
        raise Http404("You are not a member of that brand.")
    request.session[SESSION_BRAND_KEY] = slug
    messages.success(request, f"You are now working in {membership.brand.name}.")
    # Back to the page the switch was made on: a path of this studio, never another site, nor
    # a word that redirect() would take for the name of a view.
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect("dashboard")


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_perm(actor, Perm.MANAGE_MEMBERS)
    form = MemberAddForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.membership_add(
                    actor=actor, user=form.cleaned_data["username"], role=form.cleaned_data["role"]
                )
            except StudioError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"{form.cleaned_data['username']} joined the team.")
                return redirect("member-list")
        status = 400
    members = selectors.membership_list(actor=actor)
    return render(
        request,
        "studio/member_list.html",
        {"page": paginate(request, members), "form": form, "role_form": MemberRoleForm()},
        status=status,
    )


@login_required
@require_POST
def member_update(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    require_perm(actor, Perm.MANAGE_MEMBERS)
    membership = get_object_or_404(selectors.membership_list(actor=actor), pk=pk)
    try:
        if request.POST.get("action") == "remove":
            services.membership_remove(actor=actor, membership=membership)
            messages.success(request, f"{membership.user} left the team.")
        else:
            form = MemberRoleForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Choose one of the roles.")
                return redirect("member-list")
            services.membership_set_role(
                actor=actor, membership=membership, role=form.cleaned_data["role"]
            )
            messages.success(request, f"{membership.user} is now {membership.get_role_display()}.")
    except StudioError as exc:
        messages.error(request, exc.message)
    return redirect("member-list")


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_perm(actor, Perm.VIEW_AUDIT)
    verb = request.GET.get("verb", "").strip()
    events = selectors.audit_list_for_brand(actor=actor, verb=verb)
    return render(
        request,
        "studio/audit_log.html",
        {"page": paginate(request, events), "verb": verb, "scope": actor.brand},
    )


def service_call(
    request: HttpRequest, call: Callable[[], object], *, success: str | Callable[[], str]
) -> bool:
    """Run one service call for a POST button: say what happened (``success``, or what it says
    once the call is done), or why not. A NotFound stays a 404, so nobody learns of objects that
    are not theirs."""
    try:
        call()
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except StudioError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success() if callable(success) else success)
    return True
