import base64
import hashlib
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import path, reverse

from studio.enums import Role
from studio.models import AuditEvent, Membership
from tests.factories import GarmentFactory, LicenseFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.defaults
def test_login_logout_and_password_change(client):
    UserFactory(username="ana", password="old-pass-1234!")
    page = client.get(reverse("login"))
    assert page.status_code == 200 and b"Sign in" in page.content
    bad = client.post(reverse("login"), {"username": "ana", "password": "wrong"})
    assert bad.status_code == 200 and b"correct username and password" in bad.content
    assert client.get(reverse("dashboard")).status_code == 302
    ok = client.post(reverse("login"), {"username": "ana", "password": "old-pass-1234!"})
    assert ok.status_code == 302 and ok.url == reverse("dashboard")
    changed = client.post(
        reverse("password_change"),
        {
            "old_password": "old-pass-1234!",
            "new_password1": "n3w-Secret-pass!",
            "new_password2": "n3w-Secret-pass!",
        },
    )
    assert changed.status_code == 302
    assert get_user_model().objects.get(username="ana").check_password("n3w-Secret-pass!")
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


PANELS = {
    Role.BRAND_ADMIN: [
        "Team",
        "Garments",
        "Campaigns",
        "Renders running",
        "Reviews waiting",
        "Posts",
        "Reactions",
    ],
    Role.CREATIVE_DIRECTOR: ["Campaigns", "Renders running", "Reviews waiting", "Garments"],
    Role.STYLIST: ["Garments"],
    Role.SOCIAL_TEAM: ["Posts", "Reactions"],
}


@pytest.mark.parametrize("role", Role.values)
def test_dashboard_shows_each_role_its_panels(world, login, role):
    html = login(world.user("brand-a", role)).get(reverse("dashboard")).content.decode()
    for title in PANELS[role]:
        assert f"<h2>{title}</h2>" in html
    hidden = {t for titles in PANELS.values() for t in titles} - set(PANELS[role])
    for title in hidden:
        assert f"<h2>{title}</h2>" not in html
    assert "Brand A" in html and "Brand B" not in html
    assert "Nothing here yet. </p>" not in html  # every placeholder says what will come
    is_admin = role == Role.BRAND_ADMIN
    assert (f'href="{reverse("member-list")}"' in html) is is_admin
    assert (f'href="{reverse("audit-log")}"' in html) is is_admin


def test_dashboard_for_talent_agency_and_nobody(world, login):
    talent = login(world.talent_a.user).get(reverse("dashboard")).content.decode()
    assert "<h2>My twins</h2>" in talent and "<h2>Approvals waiting</h2>" in talent
    assert f"<h1>Welcome, {world.talent_a.display_name}</h1>" in talent  # not their login name
    # "My twins" is their own page, not a list of one; they represent nobody.
    assert f'<a href="{reverse("talent-detail", args=[world.talent_a.pk])}">My twins</a>' in talent
    assert f'href="{reverse("talent-list")}"' not in talent
    booker = login(world.agency.members.get().user).get(reverse("dashboard")).content.decode()
    assert "<h2>Talent I represent</h2>" in booker and world.talent_a.display_name in booker
    assert f'<a href="{reverse("talent-list")}">Talent I represent</a>' in booker
    assert ">My twins</a>" not in booker
    assert world.talent_b.display_name not in booker
    nobody = login(UserFactory(username="new")).get(reverse("dashboard")).content.decode()
    assert "not part of a brand or an agency yet" in nobody


def test_the_talent_dashboard_counts_their_own_licenses(world, login):
    """Before, the talent's Licenses panel said "Nothing here yet" over requests that waited."""
    director = login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    assert "No licenses yet." in director.get(reverse("dashboard")).content.decode()
    client = login(world.talent_a.user)
    idle = client.get(reverse("dashboard")).content.decode()
    assert "No license asks for you now." in idle and "Nothing here yet. License" not in idle
    LicenseFactory(twin=world.twin_a, brand=world.brand_a, status="active", current=True)
    answered = client.get(reverse("dashboard")).content.decode()
    assert "No requests waiting for you · <a" in answered
    LicenseFactory(twin=world.twin_a, brand=world.brand_a, status="requested")
    LicenseFactory(twin=world.twin_a, brand=world.brand_b, status="requested")
    LicenseFactory(twin=world.twin_a, brand=world.brand_b, status="declined")
    LicenseFactory(twin=world.twin_b, brand=world.brand_a, status="requested")  # another talent's
    html = client.get(reverse("dashboard")).content.decode()
    licenses = reverse("talent-licenses", args=[world.talent_a.pk])
    assert f'<a href="{licenses}?status=requested">2 requests waiting for you</a>' in html
    assert f'<a href="{licenses}?status=active">1 active</a>' in html
    # Their agency sees what waits for each talent it represents, and only theirs.
    booker = login(world.agency.members.get().user).get(reverse("dashboard")).content.decode()
    assert f'<a href="{licenses}?status=requested">2 requests waiting</a>' in booker
    assert world.talent_b.display_name not in booker
    # The brand's own panel counts its side: what waits for the talent, what is active.
    director = login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    brand = director.get(reverse("dashboard")).content.decode()
    mine = reverse("brand-licenses")
    assert (  # a link only where there is something to see
        f'No counter-offers to answer · <a href="{mine}?status=requested">2 waiting for talent</a>'
        f' · <a href="{mine}?status=active">1 active</a>'
    ) in brand


def test_brand_admin_manages_the_team_with_audit(world, login):
    admin = world.user("brand-a", Role.BRAND_ADMIN)
    client = login(admin)
    newcomer = UserFactory(username="newcomer")
    response = client.post(reverse("member-list"), {"username": "NEWCOMER", "role": "stylist"})
    assert response.status_code == 302
    seat = Membership.objects.get(user=newcomer, brand=world.brand_a)
    assert seat.role == Role.STYLIST
    client.post(reverse("member-update", args=[seat.pk]), {"role": "social_team"})
    seat.refresh_from_db()
    assert seat.role == Role.SOCIAL_TEAM
    client.post(reverse("member-update", args=[seat.pk]), {"action": "remove"})
    assert not Membership.objects.filter(pk=seat.pk).exists()
    verbs = list(
        AuditEvent.objects.filter(brand=world.brand_a, actor=admin)
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == ["membership.added", "membership.role_changed", "membership.removed"]
    log = client.get(reverse("audit-log")).content.decode()
    assert "membership.removed" in log


def test_team_form_errors_change_nothing(world, login):
    client = login(world.user("brand-a", Role.BRAND_ADMIN))
    before = Membership.objects.count()
    unknown = client.post(reverse("member-list"), {"username": "ghost", "role": "stylist"})
    assert unknown.status_code == 400 and b"No active account" in unknown.content
    twice = client.post(reverse("member-list"), {"username": "brand-a-stylist", "role": "stylist"})
    assert twice.status_code == 400 and b"already" in twice.content
    bad_role = client.post(reverse("member-list"), {"username": "talent-a", "role": "owner"})
    assert bad_role.status_code == 400
    assert Membership.objects.count() == before


def test_the_last_brand_admin_cannot_be_demoted_or_removed(world, login):
    seat = world.seats[("brand-a", Role.BRAND_ADMIN)]
    client = login(seat.user)
    response = client.post(
        reverse("member-update", args=[seat.pk]), {"role": "stylist"}, follow=True
    )
    assert b"at least one brand admin" in response.content
    client.post(reverse("member-update", args=[seat.pk]), {"action": "remove"})
    seat.refresh_from_db()
    assert seat.role == Role.BRAND_ADMIN


@pytest.mark.parametrize("role", [Role.CREATIVE_DIRECTOR, Role.STYLIST, Role.SOCIAL_TEAM])
def test_team_and_audit_pages_are_for_brand_admins(world, login, role):
    client = login(world.user("brand-a", role))
    assert client.get(reverse("member-list")).status_code == 404
    assert client.get(reverse("audit-log")).status_code == 404
    assert client.get(reverse("api-member-list")).status_code == 404
    assert client.get(reverse("api-audit-list")).status_code == 404


def test_talent_audit_page_shows_events_on_their_likeness_only(world, login):
    from twins.services import twin_create

    twin_create(actor=world.talent_a.user, talent=world.talent_a, name="Editorial twin")
    twin_create(actor=world.talent_b.user, talent=world.talent_b, name="Other twin")
    html = (
        login(world.talent_a.user)
        .get(reverse("talent-audit", args=[world.talent_a.pk]))
        .content.decode()
    )
    assert "Editorial twin" in html and "Other twin" not in html


def test_garment_list_query_count_does_not_grow(world, login, django_assert_max_num_queries):
    client = login(world.user("brand-a", Role.STYLIST))
    GarmentFactory.create_batch(3, brand=world.brand_a)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("garment-list"))
    GarmentFactory.create_batch(20, brand=world.brand_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("garment-list"))


@pytest.mark.parametrize("url_name", ["dashboard", "garment-list", "member-list", "audit-log"])
def test_brand_pages_keep_a_flat_query_count(world, login, url_name, django_assert_max_num_queries):
    client = login(world.user("brand-a", Role.BRAND_ADMIN))
    client.get(reverse(url_name))  # warm the content-type cache
    GarmentFactory.create_batch(5, brand=world.brand_a)
    # The dashboard's campaign and render panels take four of these; what matters is below:
    # the count does not grow with the data.
    with django_assert_max_num_queries(18) as first:
        assert client.get(reverse(url_name)).status_code == 200
    for n in range(8):
        Membership.objects.create(
            user=UserFactory(username=f"extra{n}"), brand=world.brand_a, role=Role.STYLIST
        )
    GarmentFactory.create_batch(20, brand=world.brand_a)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(reverse(url_name))


def test_garment_search_and_filter_with_htmx_partial(world, login):
    GarmentFactory(brand=world.brand_a, name="Silk scarf", sku="SC-1", category="accessory")
    GarmentFactory(brand=world.brand_a, name="Silk shirt", sku="SH-1", category="top")
    client = login(world.user("brand-a", Role.STYLIST))
    partial = client.get(
        reverse("garment-list"), {"q": "silk", "category": "accessory"}, HTTP_HX_REQUEST="true"
    )
    html = partial.content.decode()
    assert "Silk scarf" in html and "Silk shirt" not in html
    assert "<html" not in html  # htmx gets the grid only


def test_a_page_that_is_not_yours_says_so_and_leads_back(world, login):
    """The 404 of a studio page keeps the studio around it: the sections, the brand, a way back."""
    other = GarmentFactory(brand=world.brand_b)
    response = login(world.user("brand-a", Role.STYLIST)).get(
        reverse("garment-detail", args=[other.pk])
    )
    html = response.content.decode()
    assert response.status_code == 404
    assert "Not found" in html and "You are working in Brand A" in html
    assert reverse("garment-list") in html and "Back to the dashboard" in html
    assert other.name not in html


def test_a_studio_failure_has_its_own_page(rf):
    from studio.api.views import server_error

    html = server_error(rf.get("/campaigns/")).content.decode()
    assert "Something went wrong on our side" in html and "Back to the dashboard" in html


def directive(policy: str, name: str) -> list[str]:
    return next(part.split()[1:] for part in policy.split(";") if part.split()[0] == name)


@pytest.mark.parametrize("url", ["/login/", "/api/schema/", "/api/docs/"])
def test_every_answer_carries_a_content_security_policy(client, url):
    """Scripts and styles only from the studio's own files: an inline script or style, injected
    or not, does not apply. (The browser walk in tests/e2e/test_accessibility.py shows no page
    needs one.) Swagger UI's page alone keeps its own <style>."""
    policy = client.get(url)["Content-Security-Policy"]
    assert directive(policy, "script-src") == ["'self'"]
    styles = ["'self'", "'unsafe-inline'"] if url == "/api/docs/" else ["'self'"]
    assert directive(policy, "style-src") == styles
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


def failing_view(request):
    raise RuntimeError("a defect of ours")


urlpatterns = [path("fails/", failing_view)]
handler500 = "studio.api.views.server_error"


@pytest.mark.urls(__name__)
def test_the_failure_page_style_alone_is_let_through(client):
    """The standalone 500 page keeps one <style> element: the policy lets that one through by
    its hash, not every inline style."""
    client.raise_request_exception = False
    response = client.get("/fails/")
    assert response.status_code == 500
    style = re.search(r"<style>(.*?)</style>", response.content.decode(), re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    policy = response["Content-Security-Policy"]
    assert directive(policy, "style-src") == ["'self'", f"'sha256-{digest}'"]


def test_no_template_runs_inline_script_or_style():
    """The Content-Security-Policy refuses inline scripts, handlers and styles; a template that
    used one would break only when the handler fires, or look wrong without a word. Behaviour
    lives in static/js, bound by data-*; looks in static/css, and widths and colours that come
    from data in SVG attributes. (The standalone 500 page's <style> goes by its hash.)"""
    inline = re.compile(
        r"\son[a-z]+\s*=|<script(?![^>]*\ssrc=)|javascript:|\sstyle\s*=|<style", re.IGNORECASE
    )
    found = [
        f"{path.relative_to(settings.BASE_DIR)}: {match.group(0)}"
        for path in (settings.BASE_DIR / "templates").rglob("*.html")
        for match in inline.finditer(path.read_text())
    ]
    assert found == ["templates/500.html: <style"]


@pytest.mark.parametrize(("value", "total", "width"), [(3, 4, "75"), (0, 0, "0"), (9, 9, "100")])
def test_a_progress_bar_draws_its_share_without_a_style_attribute(value, total, width):
    from django.template.loader import render_to_string

    html = render_to_string("components/progress_bar.html", {"value": value, "total": total})
    assert f'aria-valuenow="{value}"' in html and f'<rect width="{width}" height="1"/>' in html
    assert "style" not in html
