"""Real pages in a real browser (Debian's Chromium driven by Playwright)."""

import re

import pytest
from django.urls import reverse
from PIL import Image

from campaigns.models import Garment
from studio.enums import Role
from tests.e2e.conftest import wait_until
from tests.e2e.test_licensing_in_a_browser import sign_in
from tests.factories import png_bytes
from tests.hostile import corpus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_stylist_adds_a_garment_and_sees_it_on_the_board(world, live_server, page, tmp_path):
    sign_in(page, live_server, world.user("brand-a", Role.STYLIST).username)
    assert page.locator("h2", has_text="Garments").is_visible()
    page.click("nav.sidebar >> text=Garments")
    cutout = tmp_path / "scarf.png"
    cutout.write_bytes(png_bytes((60, 80)))
    page.fill("input[name=sku]", "E2E-1")
    page.fill("input[name=name]", "Browser scarf")
    page.select_option("select[name=category]", "accessory")
    page.set_input_files("input[name=cutout]", str(cutout))
    page.click("text=Add to the catalogue")
    page.wait_for_selector(".message.success")
    assert "Browser scarf added" in page.inner_text(".messages")
    card = page.locator("figure.image-card", has_text="Browser scarf")
    image = card.locator("img")
    # (the element shows before its image has loaded: wait for the image, then measure it)
    wait_until(page, "(img) => img.complete && img.naturalWidth", arg=image.element_handle())
    assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) == 60
    assert Garment.objects.get(sku="E2E-1").brand == world.brand_a


def test_a_hostile_upload_shows_why_and_adds_nothing(world, live_server, page, tmp_path):
    name, content, _code = corpus()["decompression bomb"]
    bomb = tmp_path / name
    bomb.write_bytes(content)
    sign_in(page, live_server, world.user("brand-a", Role.STYLIST).username)
    page.goto(f"{live_server.url}{reverse('garment-list')}")
    page.fill("input[name=sku]", "E2E-BOMB")
    page.fill("input[name=name]", "Bomb")
    page.set_input_files("input[name=cutout]", str(bomb))
    page.click("text=Add to the catalogue")
    error = page.locator("p.error")
    error.wait_for()
    assert "megapixels" in error.inner_text() or "pixels" in error.inner_text()
    assert not Garment.objects.filter(sku="E2E-BOMB").exists()


def test_live_search_filters_the_grid_without_a_reload(world, live_server, page):
    from tests.factories import GarmentFactory

    GarmentFactory(brand=world.brand_a, name="Linen shirt", sku="L-1")
    GarmentFactory(brand=world.brand_a, name="Wool coat", sku="W-1")
    sign_in(page, live_server, world.user("brand-a", Role.STYLIST).username)
    page.goto(f"{live_server.url}{reverse('garment-list')}")
    page.evaluate("window.__marker = 'same page'")
    page.fill("input[name=q]", "linen")
    wait_until(
        page, "() => !document.querySelector('#garment-grid').innerText.includes('Wool coat')"
    )
    assert "Linen shirt" in page.inner_text("#garment-grid")
    assert page.evaluate("window.__marker") == "same page"  # htmx swapped the grid only
    assert re.search(r"q=linen", page.url)


def test_a_user_in_two_brands_switches_brand(world, live_server, page):
    from tests.factories import MembershipFactory

    user = world.user("brand-a", Role.STYLIST)
    MembershipFactory(user=user, brand=world.brand_b, role=Role.STYLIST)
    sign_in(page, live_server, user.username)
    page.goto(f"{live_server.url}{reverse('garment-list')}")
    assert "A's coat" in page.inner_text("#garment-grid")
    page.select_option("#brand-select", "brand-b")
    page.wait_for_selector(".message.success")
    assert "B's coat" in page.inner_text("#garment-grid")
    assert "A's coat" not in page.inner_text("#garment-grid")
    page.click(".message.success .dismiss")  # the studio's own script, not an inline handler
    assert page.locator(".message").count() == 0


def test_talent_sees_their_capture_set(world, live_server, page):
    from tests.factories import CapturePhotoFactory

    CapturePhotoFactory(twin=world.twin_a, angle="profile_left")
    sign_in(page, live_server, world.talent_a.user.username)
    page.click("nav.sidebar >> text=My twins")  # their own page: no list of one to pass through
    page.click("text=Main twin")
    page.locator("figure.image-card img").wait_for()
    assert "Profile left" in page.inner_text("figure.image-card")


SHOWN_ALPHA = """([img, x, y]) => {
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const paint = canvas.getContext("2d");
  paint.drawImage(img, 0, 0);
  return paint.getImageData(x, y, 1, 1).data[3];
}"""


def tagged_dress(world, sku: str):
    import io

    from campaigns.services import garment_create
    from studio.permissions import actor_for
    from tests.campaigns.test_cutout_editor import packshot

    data, _truth = packshot()
    return garment_create(
        actor=actor_for(world.user("brand-a", Role.STYLIST), "brand-a"),
        sku=sku,
        name="Tagged dress",
        category="dress",
        packshot=io.BytesIO(data),
    )


def paint_over_the_tag(page) -> None:
    """Red strokes zig-zag over the price tag, as a stylist's mouse would."""
    from tests.campaigns.test_cutout_editor import TAG

    page.get_by_label("Remove").check()
    box = page.locator("#cutout-editor canvas").bounding_box()
    scale = box["width"] / 1000

    def to_page(x: int, y: int) -> tuple[float, float]:
        return box["x"] + x * scale, box["y"] + y * scale

    left, top, right, bottom = TAG
    page.mouse.move(*to_page(left + 5, top + 5))
    page.mouse.down()
    for n, y in enumerate(range(top + 5, bottom, 20)):
        page.mouse.move(*to_page(right - 5 if n % 2 else left + 5, y), steps=4)
    page.mouse.up()


def test_stylist_paints_away_a_price_tag_in_the_cutout_editor(world, live_server, page):
    from tests.campaigns.test_cutout_editor import TAG, alpha_of, tag_kept

    garment = tagged_dress(world, "E2E-TAG")
    assert tag_kept(alpha_of(garment)) > 0.9
    sign_in(page, live_server, world.user("brand-a", Role.STYLIST).username)
    page.goto(f"{live_server.url}{reverse('garment-detail', args=[garment.pk])}")
    page.wait_for_selector("#cutout-editor.ready")
    refine = page.get_by_role("button", name="Refine the cut-out")
    assert refine.is_disabled()  # nothing painted yet
    shown = page.locator(".preview img").element_handle()
    tag_x, tag_y = (TAG[0] + TAG[2]) // 2, (TAG[1] + TAG[3]) // 2
    assert page.evaluate(SHOWN_ALPHA, [shown, tag_x, tag_y]) == 255  # the tag is in the cut-out

    paint_over_the_tag(page)
    refine.click()
    page.wait_for_selector(".message.success")
    assert "follows your strokes" in page.inner_text(".messages")

    garment.refresh_from_db()
    assert tag_kept(alpha_of(garment)) < 0.1
    shown = page.locator(".preview img")
    shown.wait_for()
    wait_until(page, "(img) => img.complete && img.naturalWidth", arg=shown.element_handle())
    # the page shows the new cut-out, not the one the browser cached a moment ago
    assert page.evaluate(SHOWN_ALPHA, [shown.element_handle(), tag_x, tag_y]) == 0


def test_strokes_over_a_cut_out_someone_changed_meanwhile_are_refused_in_sight(
    world, live_server, page
):
    """While the stylist paints, a colleague corrects the cut-out: the strokes are refused with
    the reason on screen (not hidden with the file field the script hides), the editor shows the
    colleague's cut-out, and strokes painted over that one apply."""
    import io

    from campaigns.services import garment_mask_correct
    from studio.permissions import actor_for
    from tests.campaigns.test_cutout_editor import alpha_of, tag_kept

    garment = tagged_dress(world, "E2E-RACE")
    sign_in(page, live_server, world.user("brand-a", Role.STYLIST).username)
    page.goto(f"{live_server.url}{reverse('garment-detail', args=[garment.pk])}")
    page.wait_for_selector("#cutout-editor.ready")
    paint_over_the_tag(page)
    mask = Image.fromarray(alpha_of(garment)).convert("L")
    mask.paste(255, (0, 0, 40, 40))  # the colleague keeps a corner too
    painted = io.BytesIO()
    mask.save(painted, "PNG")
    painted.seek(0)
    admin = actor_for(world.user("brand-a", Role.BRAND_ADMIN), "brand-a")
    theirs = garment_mask_correct(actor=admin, garment=garment, mask=painted).cutout_sha256
    page.get_by_role("button", name="Refine the cut-out").click()
    refusal = page.get_by_role("alert").filter(has_text="changed since you opened it")
    refusal.wait_for()
    assert refusal.is_visible()
    assert not page.locator("input[name=strokes]").is_visible()
    garment.refresh_from_db()
    assert garment.cutout_sha256 == theirs and tag_kept(alpha_of(garment)) > 0.9

    page.wait_for_selector("#cutout-editor.ready")
    paint_over_the_tag(page)
    page.get_by_role("button", name="Refine the cut-out").click()
    page.wait_for_selector(".message.success")
    garment.refresh_from_db()
    assert tag_kept(alpha_of(garment)) < 0.1


def test_pages_load_without_a_failed_request(world, live_server, page):
    failed = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    sign_in(page, live_server, world.user("brand-a", Role.STYLIST).username)
    page.goto(f"{live_server.url}{reverse('garment-list')}")
    page.goto(f"{live_server.url}{reverse('garment-detail', args=[world.garment_a.pk])}")
    page.wait_for_load_state("networkidle")
    assert failed == []
    # Browsers ask for /favicon.ico unless the page names its icon (a 404 on every page).
    icon = "fetch(document.querySelector('link[rel=icon]').href).then((r) => r.status)"
    assert page.evaluate(icon) == 200


def test_a_picture_opened_in_a_tab_of_its_own_shows_without_an_error(world, live_server, page):
    """The browser's image viewer styles its page inline, and asks for /favicon.ico: before,
    the studio's page policy refused the one and had no answer for the other."""
    logged, failed = [], []
    page.on("console", lambda m: logged.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    sign_in(page, live_server, world.user("brand-a", Role.STYLIST).username)
    cutout = reverse("garment-cutout-file", args=[world.garment_a.pk])
    shown = page.goto(f"{live_server.url}{cutout}")
    assert shown is not None and shown.headers["content-type"] == "image/png"
    assert "sandbox" in shown.headers["content-security-policy"]  # the file itself runs nothing
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.querySelector('img').naturalWidth")
    with Image.open(world.garment_a.cutout.path) as stored:
        assert width == stored.width
    assert logged == [] and failed == []
    icon = page.goto(f"{live_server.url}/favicon.ico")  # where a browser asks for it
    assert icon is not None and icon.ok and icon.headers["content-type"] == "image/svg+xml"


def test_stylist_finds_garments_and_layers_them_in_the_look_builder(world, live_server, page):
    from campaigns.models import Look
    from tests.factories import GarmentFactory

    tee = GarmentFactory(brand=world.brand_a, name="Boxy tee", sku="TS-1", category="top")
    trousers = GarmentFactory(
        brand=world.brand_a, name="Wide trousers", sku="TR-2", category="bottom"
    )
    GarmentFactory(brand=world.brand_a, name="Derby", sku="SH-3", category="shoes", season="SS27")
    sign_in(page, live_server, world.user("brand-a", Role.STYLIST).username)
    page.goto(f"{live_server.url}{reverse('look-create')}")
    page.fill("input[name=name]", "Tucked")
    catalogue, chosen = page.locator("#picks .pick"), page.locator("#chosen .pick")
    assert catalogue.count() == 4 and chosen.count() == 0  # A's coat, tee, trousers, derby
    page.select_option("#pick-season", "SS27")  # a season narrows it, asked of the server
    wait_until(page, "document.querySelectorAll('#picks .pick').length === 1")
    page.select_option("#pick-season", "")
    wait_until(page, "document.querySelectorAll('#picks .pick').length === 4")

    page.fill("#pick-search", "trou")  # asks the server, as the stylist types
    wait_until(page, "document.querySelectorAll('#picks .pick').length === 1")
    assert "Wide trousers" in catalogue.first.inner_text()
    assert page.locator("#picks h4").all_inner_texts() == ["Bottom"]
    catalogue.first.locator("input[type=checkbox]").check()  # moves up to the chosen
    assert chosen.count() == 1 and page.locator("#chosen-empty").is_hidden()
    page.fill("#pick-search", "ts-1")  # by SKU; the chosen trousers stay chosen
    wait_until(page, "document.querySelector('#picks').innerText.includes('Boxy tee')")
    assert catalogue.count() == 1 and "Wide trousers" in chosen.first.inner_text()
    page.press("#pick-search", "Enter")  # searches; does not send the form
    assert page.url.endswith(reverse("look-create"))
    # Unpicked, the derby goes back to the catalogue, searched again.
    page.fill("#pick-search", "derby")
    wait_until(page, "document.querySelector('#picks').innerText.includes('Derby')")
    catalogue.first.locator("input[type=checkbox]").check()
    assert chosen.count() == 2
    chosen.filter(has_text="Derby").locator("input[type=checkbox]").click()  # leaves the DOM
    wait_until(page, "document.querySelector('#picks').innerText.includes('Derby')")
    assert chosen.count() == 1
    page.fill("#pick-search", "ts-1")
    wait_until(page, "document.querySelector('#picks').innerText.includes('Boxy tee')")
    page.check(f"input[name=garments][value='{tee.pk}']")
    page.fill(f"input[name=layer-{tee.pk}]", "15")  # tucked under the trousers (20)
    page.click("button:has-text('Save the look')")
    page.wait_for_selector(".message.success")
    look = Look.objects.get(name="Tucked")
    assert [(i.garment_id, i.layer) for i in look.items.all()] == [(tee.pk, 15), (trousers.pk, 20)]


def test_the_api_docs_render_from_the_studio_alone(world, live_server, page):
    """The docs page loaded Swagger UI (``@latest``) from a CDN: blank wherever the studio has no
    internet, and a third party's script on a page that carries the user's session."""
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(live_server.url) else elsewhere.append(request.url)
        ),
    )
    sign_in(page, live_server, world.user("brand-a", Role.CREATIVE_DIRECTOR).username)
    page.click("nav.sidebar >> text=API")
    page.wait_for_selector(".opblock-summary-path >> text=/api/campaigns/{id}/jobs/")
    assert page.locator(".opblock").count() > 40
    assert elsewhere == []
