"""A director plans and queues a shot matrix in a real browser, watches the board fill in while a
real worker renders (htmx polling, no reload), and shortlists a render."""

import re

import pytest
from django.urls import reverse

from campaigns.enums import JobState
from campaigns.forms import LOOK_PICKS
from campaigns.models import Campaign, Garment, Look, Render, RenderJob
from campaigns.services import LookItemInput, look_save, matrix_queue, render_job_run
from studio.enums import Role
from studio.services import audit_record
from tests.campaigns.conftest import make_studio
from tests.e2e.conftest import wait_until
from tests.e2e.test_licensing_in_a_browser import sign_in
from tests.factories import GarmentFactory
from tests.worker import broker_empty, celery_worker

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_plan_queue_watch_and_shortlist(world, live_server, page, tmp_path):
    studio = make_studio(world)
    sign_in(page, live_server, world.user("brand-a", Role.CREATIVE_DIRECTOR).username)
    page.click("nav.sidebar >> text=Campaigns")
    page.click("text=Spring")
    page.click("text=Build the shot matrix")
    page.check(f"input[name=looks][value='{studio.look.pk}']")
    page.check(f"input[name=twins][value='{world.twin_a.pk}']")
    page.check(f"input[name=scenes][value='{studio.scene.pk}']")
    page.check("input[name=formats][value='1:1']")  # with 4:5, checked already
    page.click("button:has-text('Plan')")
    page.wait_for_selector("section.plan >> text=2 renders")
    assert not RenderJob.objects.exists()
    page.click("button:has-text('Queue 2 renders')")
    page.wait_for_selector(".message.success >> text=2 renders queued")
    assert page.locator("[data-state=queued]").count() == 2
    assert "0 of 2 finished" in page.inner_text("#board-batches")
    assert "held by 2 renders to come" in page.inner_text("#board-gpu")
    assert "Cancel 2 renders" in page.inner_text("#board-actions")
    # Seven filters and the batch table fit the page: nothing runs off to the right.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.evaluate("window.stillTheSamePage = true")
    with celery_worker("gpu,cpu", tmp_path / "worker.log"):
        wait_until(
            page,
            "document.querySelectorAll('[data-state=succeeded] img').length === 2",
            timeout=60_000,
        )
    assert page.evaluate("window.stillTheSamePage") is True  # updated in place, not reloaded
    assert page.locator("#board-cards[data-live]").count() == 0  # polling stopped by itself
    # The batch's row came along with the cards (out of band), its cancel button gone.
    batch = page.inner_text("#board-batches")
    assert "2 of 2 finished" in batch and "Done" in batch and "left" not in batch
    # So did the GPU budget and the actions above (no render held, none left to cancel).
    assert "held by" not in page.inner_text("#board-gpu")
    assert "Cancel" not in page.inner_text("#board-actions")
    images = page.locator("[data-state=succeeded] img")
    wait_until(
        page,  # a thumbnail that loads (within the default timeout), not a hole
        "(img) => img.complete && img.naturalWidth > 0",
        arg=images.first.element_handle(),
    )
    # The 4:5 render's card stands as tall as the 1:1's: every card's image box is the same.
    wait_until(
        page,
        "[...document.querySelectorAll('[data-state=succeeded] img')]"
        ".every((img) => img.complete && img.naturalWidth > 0)",
    )
    boxes = page.locator("[data-state=succeeded] .thumb")
    assert len({round(boxes.nth(n).bounding_box()["height"], 1) for n in range(2)}) == 1
    # Shortlisting changes its card in place: no reload, the count beside the filter follows.
    card = page.locator("[data-state=succeeded]").first
    card_id = card.get_attribute("id")
    card.locator("button:has-text('Shortlist')").click()
    page.wait_for_selector(f"#{card_id} >> button:has-text('Unshortlist')")
    page.wait_for_selector("#messages >> text=Shortlisted.")
    assert page.inner_text("#shortlist-count") == "(1)"
    assert page.evaluate("window.stillTheSamePage") is True
    assert Render.objects.exclude(shortlisted_at=None).count() == 1
    page.screenshot(path=str(tmp_path / "board.png"), full_page=True)
    assert page.url.startswith(
        f"{live_server.url}{reverse('campaign-board', args=[studio.campaign.pk])}"
    )

    # A card leads to its shot's page; a new seed there shows itself large once rendered.
    page.locator("[data-state=succeeded] .thumb a").first.click()
    page.wait_for_selector("h2 >> text=Renders, newest first")
    assert re.fullmatch(r"[^<>]+ × [^<>]+ · Twin Studio", page.title()), page.title()
    # Keys step through the board's shots and shortlist the render shown.
    page.keyboard.press("ArrowRight")
    page.wait_for_selector(".shot-nav >> text=Shot 2 of 2")
    page.keyboard.press("ArrowLeft")
    page.wait_for_selector(".shot-nav >> text=Shot 1 of 2")
    before = Render.objects.exclude(shortlisted_at=None).count()
    page.keyboard.press("s")
    page.wait_for_selector(".message.success")
    assert Render.objects.exclude(shortlisted_at=None).count() != before
    assert page.locator(".shot-nav >> text=Shot 1 of 2").count() == 1  # back on the same shot
    shown = page.locator(".detail .preview img").get_attribute("src")
    page.click("button:has-text('New seed')")
    page.wait_for_selector(".message.success >> text=A new render with a new seed is queued.")
    assert page.locator(".card.job").count() == 2
    page.evaluate("window.stillTheSamePage = true")
    with celery_worker("gpu,cpu", tmp_path / "worker2.log"):
        wait_until(
            page,
            "(before) => document.querySelector('.detail .preview img').getAttribute('src')"
            " !== before",
            arg=shown,
            timeout=60_000,
        )
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.locator(".card.job[data-state=succeeded]").count() == 2
    assert page.locator("#shot-body[hx-trigger]").count() == 0  # polling stopped by itself
    # The older seed's thumbnail shows it large instead.
    page.locator(".card.job .thumb a").nth(1).click()
    page.wait_for_selector(".detail >> text=picked below")
    assert page.locator(".detail .preview img").get_attribute("src") == shown
    assert page.locator(".card.job .thumb").nth(1).get_attribute("class") == "thumb matte shown"


def test_a_new_seed_and_a_cancel_act_on_their_card_without_a_reload(world, live_server, page):
    studio = make_studio(world)
    matrix_queue(actor=studio.director, campaign=studio.campaign, spec=studio.spec())
    job = RenderJob.objects.get()
    render_job_run(job_id=str(job.pk), worker="w")
    sign_in(page, live_server, world.user("brand-a", Role.CREATIVE_DIRECTOR).username)
    page.goto(f"{live_server.url}{reverse('campaign-board', args=[studio.campaign.pk])}")
    card = f"#shot-{job.shot_id}"
    assert page.locator("#board-cards[data-live]").count() == 0  # nothing renders: no polling
    page.evaluate("window.stillTheSamePage = true")
    page.click(f"{card} >> button:has-text('New seed')")
    page.wait_for_selector(f"{card}[data-state=queued]")  # the cards reloaded themselves
    page.wait_for_selector("#messages >> text=A new render with a new seed is queued.")
    page.wait_for_selector("#board-cards[data-live]")  # and poll while it waits for a worker
    page.click(f"{card} >> button:has-text('Cancel')")
    page.wait_for_selector(f"{card}[data-state=cancelled]")
    page.wait_for_selector("#board-cards:not([data-live])")
    # In place of the last message, and dismissed out of the way.
    assert page.inner_text("#messages .message span") == "The render is cancelled."
    page.click("#messages button[aria-label=Dismiss]")
    assert page.locator("#messages .message").count() == 0
    assert page.evaluate("window.stillTheSamePage") is True
    states = sorted(RenderJob.objects.values_list("state", flat=True))
    assert states == [JobState.CANCELLED, JobState.SUCCEEDED]
    broker_empty("gpu")  # the messages no worker took here


def test_long_words_wrap_and_never_widen_a_page(world, live_server, page):
    """A pasted URL in a brief, a reason typed without spaces in a job's error, names of the
    longest: each wraps in its box, and no page scrolls sideways."""
    studio = make_studio(world)
    url = "https://example.com/moodboard/" + "a" * 600
    Campaign.objects.filter(pk=studio.campaign.pk).update(name="C" * 200, brief=url)
    Look.objects.filter(pk=studio.look.pk).update(name="L" * 200, notes=url)
    Garment.objects.filter(brand=world.brand_a).update(name="G" * 200)
    matrix_queue(actor=studio.director, campaign=studio.campaign, spec=studio.spec())
    job = RenderJob.objects.get()
    RenderJob.objects.filter(pk=job.pk).update(state=JobState.FAILED, error="E" * 3000)
    sign_in(page, live_server, world.user("brand-a", Role.CREATIVE_DIRECTOR).username)
    garment = Garment.objects.filter(brand=world.brand_a).first()
    for address in (
        reverse("campaign-list"),
        reverse("campaign-board", args=[studio.campaign.pk]),
        reverse("shot-detail", args=[job.shot_id]),
        reverse("look-list"),
        reverse("look-detail", args=[studio.look.pk]),
        reverse("garment-list"),
        reverse("garment-detail", args=[garment.pk]),
    ):
        page.goto(f"{live_server.url}{address}")
        shown = page.content()
        assert any(letter * 100 in shown for letter in "CELGa"), address  # a long word is there
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), address
    # The audit log's details too (a reason quoted in an event).
    audit_record(actor=None, verb="license.revoked", brand=world.brand_a, payload={"why": url})
    sign_in(page, live_server, world.user("brand-a", Role.BRAND_ADMIN).username)
    page.goto(f"{live_server.url}{reverse('audit-log')}")
    assert "a" * 100 in page.content()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_scenes_are_added_changed_and_removed_without_a_reload(world, live_server, page):
    studio = make_studio(world)
    sign_in(page, live_server, world.user("brand-a", Role.CREATIVE_DIRECTOR).username)
    page.goto(f"{live_server.url}{reverse('campaign-board', args=[studio.campaign.pk])}")
    page.evaluate("window.stillTheSamePage = true")
    page.click("#scenes summary")
    page.fill("#scenes .scene-add input[name=name]", "Sand")
    page.select_option("#scenes .scene-add select[name=kind]", "colour")
    page.fill("#scenes .scene-add input[name=value]", "sandy")  # not a colour
    page.click("#scenes button:has-text('Add the scene')")
    page.wait_for_selector("#messages >> text=A colour scene needs a colour like #e8e4dc.")
    assert page.input_value("#scenes .scene-add input[name=name]") == "Sand"  # kept, to correct
    page.fill("#scenes .scene-add input[name=value]", "#d8c8a8")
    page.click("#scenes button:has-text('Add the scene')")
    page.wait_for_selector("#scenes summary >> text=Scenes (2)")
    page.wait_for_selector("#messages >> text=The scene Sand is added.")
    assert page.input_value("#scenes .scene-add input[name=name]") == ""  # ready for the next
    page.click("#scenes button[aria-label='Remove the scene Sand']")
    page.wait_for_selector("#scenes summary >> text=Scenes (1)")
    # Changed in place.
    page.click("#scenes summary[aria-label='Change the scene Stone']")
    change = page.locator("#scenes .scene-edit form")
    change.locator("input[name=name]").fill("Warm stone")
    change.locator("input[name=value]").fill("#f0d8c0")
    change.locator("button:has-text('Save the scene')").click()
    page.wait_for_selector("#messages >> text=The scene Warm stone is saved.")
    page.wait_for_selector("#scenes li >> text=Warm stone · Colour")
    assert page.evaluate("window.stillTheSamePage") is True
    assert list(studio.campaign.scenes.values_list("name", "value")) == [("Warm stone", "#f0d8c0")]


def test_the_builder_finds_a_look_among_many_and_keeps_what_is_ticked(world, live_server, page):
    studio = make_studio(world)
    top = studio.look.items.get().garment
    for n in range(LOOK_PICKS + 1):
        look_save(actor=studio.director, name=f"Resort {n:02}", items=[LookItemInput(top.pk)])
    coat = GarmentFactory(brand=world.brand_a, category="outerwear", name="Camel coat", sku="CC-1")
    look_save(actor=studio.director, name="Winter", items=[LookItemInput(coat.pk)])
    sign_in(page, live_server, world.user("brand-a", Role.CREATIVE_DIRECTOR).username)
    page.goto(f"{live_server.url}{reverse('matrix-builder', args=[studio.campaign.pk])}")
    results, chosen = page.locator("#look-picks .pick"), page.locator("#chosen-looks .pick")

    def shown(count: int) -> None:
        wait_until(page, f"document.querySelectorAll('#look-picks .pick').length === {count}")

    # The newest looks are shown; Look A, the oldest, is found by asking the server.
    assert results.count() == LOOK_PICKS and chosen.count() == 0
    hint = f"{LOOK_PICKS} of {LOOK_PICKS + 3}: search to find the others."
    assert hint in page.inner_text("#look-picks")
    page.fill("#look-search", "look a")
    shown(1)
    page.check(f"input[name=looks][value='{studio.look.pk}']")  # moves up to the chosen
    assert chosen.count() == 1 and results.count() == 0
    page.fill("#look-search", "cc-1")  # a garment's SKU, in any case; Look A stays chosen
    shown(1)
    assert "Winter" in results.first.inner_text() and "Look A" in chosen.first.inner_text()
    page.press("#look-search", "Enter")  # searches; does not send the form
    assert page.locator("section.plan").count() == 0
    page.fill("#look-search", "velvet")
    shown(0)
    assert "No look matches." in page.inner_text("#look-picks") and chosen.count() == 1
    # The ticked look is planned, and the search kept; the others are not.
    page.check(f"input[name=twins][value='{world.twin_a.pk}']")
    page.check(f"input[name=scenes][value='{studio.scene.pk}']")
    page.click("button:has-text('Plan')")
    page.wait_for_selector("section.plan >> text=1 render")
    assert page.input_value("#look-search") == "velvet" and chosen.count() == 1
    # Unticked, it leaves the chosen and is found again.
    chosen.first.locator("input[type=checkbox]").click()
    assert chosen.count() == 0
    page.fill("#look-search", "look")
    shown(1)
    assert "Look A" in results.first.inner_text()
