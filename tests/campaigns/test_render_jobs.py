"""The shot matrix and render jobs through the services: plan, queue in bulk, run, the license
checked again at start, cancel, retry, re-render, poison jobs, duplicate deliveries, revocation."""

import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from campaigns.demo import draw_cutout
from campaigns.enums import JobState, Priority
from campaigns.models import Render, RenderJob, Shot
from campaigns.poses import POSES
from campaigns.rendering.base import FORMATS
from campaigns.selectors import campaign_gpu_use
from campaigns.services import (
    CampaignInput,
    LookItemInput,
    campaign_create,
    campaign_status_set,
    garment_update,
    look_duplicate,
    look_save,
    matrix_plan,
    matrix_queue,
    render_job_cancel,
    render_job_rerender,
    render_job_retry,
    render_job_run,
    render_jobs_cancel,
    render_jobs_retry_failed,
    render_shortlist,
    render_thumbnail_make,
    scene_add,
)
from campaigns.services.rendering import SEND_INLINE_MAX, LeaseHeld, render_batch_send
from studio.db import bulk_insert
from studio.enums import Role
from studio.errors import Conflict, NotFound, PermissionDenied, StudioError
from studio.models import AuditEvent
from studio.permissions import actor_for
from tests.campaigns.conftest import another_campaign, make_studio, restyle, trained_version
from tests.factories import GarmentFactory, LicenseFactory
from tests.render_backends import RedeliveredBackend
from tests.worker import broker_empty, broker_take, database_refuses
from twins.enums import TrainingStatus
from twins.models import License, StandingTerms, TwinVersion
from twins.services import license_revoke, twin_consent_revoke


def queue_as(actor, studio, django_capture_on_commit_callbacks, **spec):
    with django_capture_on_commit_callbacks(execute=False):
        return matrix_queue(actor=actor, campaign=studio.campaign, spec=studio.spec(**spec))


def make_studio_b(studio):
    return campaign_create(
        actor=studio.director_b,
        data=CampaignInput(
            name="Theirs",
            starts_on=date(2026, 11, 1),
            ends_on=date(2027, 1, 31),
            markets=["DE"],
            channels=["instagram"],
        ),
    )


def stylist(studio):
    return actor_for(studio.world.user("brand-a", Role.STYLIST), "brand-a")


def queue(studio, django_capture_on_commit_callbacks, **spec):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = matrix_queue(
            actor=studio.director, campaign=studio.campaign, spec=studio.spec(**spec)
        )
    return batch, callbacks


def queued_again(job: RenderJob) -> RenderJob:
    """The same request as a second, queued job (as a retry or a duplicate queueing makes it)."""
    again = RenderJob.objects.get(pk=job.pk)
    again.id, again.state, again.attempts = uuid.uuid4(), JobState.QUEUED, 0
    again.save(force_insert=True)
    return again


def run_on(world, backend, django_capture_on_commit_callbacks, worker="w"):
    """One job of a new studio on ``backend``, queued and run by ``worker`` in this process."""
    studio = make_studio(world, backend=backend)
    batch, _ = queue(studio, django_capture_on_commit_callbacks)
    job = RenderJob.objects.get(batch=batch.batch)
    return render_job_run(job_id=str(job.pk), worker=worker)


def test_the_plan_counts_renders_and_says_what_is_forbidden_and_why(studio):
    plan = matrix_plan(
        actor=studio.director,
        campaign=studio.campaign,
        spec=studio.spec(
            twins=(studio.world.twin_a.pk, studio.world.twin_b.pk),
            poses=("standing-front", "profile"),
            formats=("1:1", "4:5", "9:16"),
            variants=2,
        ),
    )
    # Twin B: no license at all. Twin A: licensed, but its version has no profile photo.
    assert plan.renders == 1 * 1 * 1 * 1 * 3 * 2
    reasons = {(f.twin.pk, f.pose): f.reasons for f in plan.forbidden}
    assert "Brand A holds no active license for this twin." in reasons[(studio.world.twin_b.pk, "")]
    assert reasons[(studio.world.twin_a.pk, "profile")] == (
        "The twin version has no reference photo from the profile left.",
    )
    assert plan.seconds_per_render == 0.3 and plan.estimate_seconds == 1.8
    assert plan.budget_left == 3600 and not plan.over_budget
    assert not Shot.objects.exists()  # planning changes nothing


def test_the_estimate_follows_the_brands_own_recent_renders_on_the_campaigns_backend(
    studio, django_capture_on_commit_callbacks, settings
):
    """The GPU time a render will take is the median of the brand's last 100 successful renders
    on that backend, once there are five; never another brand's (it would tell how a rival's
    campaigns run) nor another backend's."""
    from campaigns.selectors import seconds_per_render

    brand = studio.world.brand_a.pk
    starting = settings.RENDER_ESTIMATE_SECONDS["preview"]
    wall = scene_add(
        actor=studio.director, campaign=studio.campaign, name="Wall", kind="colour", value="#222222"
    )
    queue(
        studio,
        django_capture_on_commit_callbacks,
        scenes=(studio.scene.pk, wall.pk),
        formats=tuple(FORMATS),
        variants=14,
    )
    jobs = list(RenderJob.objects.order_by("pk"))
    assert len(jobs) == 2 * len(FORMATS) * 14 > 100
    start = timezone.now() - timedelta(hours=1)

    def finish(rows, seconds, state=JobState.SUCCEEDED):
        for n, (job, took) in enumerate(zip(rows, seconds, strict=True)):
            RenderJob.objects.filter(pk=job.pk).update(
                state=state, gpu_seconds=took, finished_at=start + timedelta(seconds=n)
            )

    finish(jobs[:4], [1.0, 2.0, 3.0, 40.0])
    finish(jobs[4:5], [None])  # a render whose time was never reported counts for nothing
    finish(jobs[5:7], [0.5, 9000.0], state=JobState.FAILED)  # nor does a failed job's
    assert seconds_per_render(brand, "preview") == starting  # four are not a history yet
    finish(jobs[7:8], [6.0])
    assert seconds_per_render(brand, "preview") == 3.0  # the median of 1, 2, 3, 6, 40
    assert seconds_per_render(studio.world.brand_b.pk, "preview") == starting
    assert seconds_per_render(brand, "diffusers") == settings.RENDER_ESTIMATE_SECONDS["diffusers"]

    # The last hundred: 57 older ones took 50 s, the 51 newest 2 s.
    older, newer = jobs[:57], jobs[57:]
    finish(older, [50.0] * len(older))
    start += timedelta(minutes=5)
    finish(newer, [2.0] * len(newer))
    assert seconds_per_render(brand, "preview") == 2.0


def test_the_plan_warns_where_the_license_ends_before_the_campaign(
    studio, login, django_capture_on_commit_callbacks
):
    license = studio.world.twin_a.licenses.get(brand=studio.world.brand_a)
    studio.campaign.ends_on = license.ends_on + timedelta(days=1)
    studio.campaign.save()
    plan = matrix_plan(actor=studio.director, campaign=studio.campaign, spec=studio.spec())
    assert plan.renders == 1 and plan.forbidden == []  # allowed today, so rendered
    assert plan.warnings == [
        f"{studio.world.twin_a} on {studio.campaign.ends_on}, the campaign's last day: "
        f"{studio.campaign.ends_on} is outside the term {license.starts_on}–{license.ends_on}. "
        "What is rendered now could not be published then."
    ]
    form = {
        "looks": [studio.look.pk],
        "twins": [studio.world.twin_a.pk],
        "poses": ["standing-front"],
        "scenes": [studio.scene.pk],
        "formats": ["4:5"],
        "variants": "1",
        "priority": "3",
        "action": "plan",
    }
    page = login(studio.director.user).post(
        reverse("matrix-builder", args=[studio.campaign.pk]), form
    )
    text = page.content.decode()
    assert "Before you queue" in text
    assert f"is outside the term {license.starts_on}–{license.ends_on}" in text
    assert queue(studio, django_capture_on_commit_callbacks)[0].jobs == 1
    # A campaign inside the license, or already over, has nothing to warn of.
    for ends_on in (license.ends_on, timezone.localdate() - timedelta(days=1)):
        studio.campaign.ends_on, studio.campaign.starts_on = ends_on, ends_on - timedelta(days=9)
        studio.campaign.save()
        plan = matrix_plan(actor=studio.director, campaign=studio.campaign, spec=studio.spec())
        assert plan.warnings == [], ends_on


def test_the_plan_warns_of_scenes_the_backend_does_not_draw(studio, settings):
    """The preview cannot draw a written scene: those shots are still rendered (they show the
    composition), on a plain backdrop, and the plan says so; a generative backend draws them."""
    from tests.render_backends import EXTRA

    rooftop = scene_add(
        actor=studio.director,
        campaign=studio.campaign,
        name="Rooftop",
        kind="prompt",
        value="a Paris rooftop at golden hour",
    )
    spec = studio.spec(scenes=(studio.scene.pk, rooftop.pk))
    plan = matrix_plan(actor=studio.director, campaign=studio.campaign, spec=spec)
    assert plan.renders == 2 and plan.forbidden == []
    assert plan.warnings == [
        "The preview backend does not draw prompt scenes: shots in Rooftop get a plain backdrop."
    ]
    colour_only = matrix_plan(actor=studio.director, campaign=studio.campaign, spec=studio.spec())
    assert colour_only.warnings == []
    settings.RENDER_BACKENDS = {**settings.RENDER_BACKENDS, **EXTRA}
    studio.campaign.backend = "slow"  # declares that it draws prompts
    studio.campaign.save()
    assert matrix_plan(actor=studio.director, campaign=studio.campaign, spec=spec).warnings == []


def test_the_license_must_cover_every_channel_market_and_category(studio):
    studio.campaign.markets, studio.campaign.channels = ["DE", "US"], ["instagram", "tiktok"]
    studio.campaign.save()
    plan = matrix_plan(actor=studio.director, campaign=studio.campaign, spec=studio.spec())
    assert plan.renders == 0
    (forbidden,) = plan.forbidden
    assert any("tiktok is not licensed" in r for r in forbidden.reasons)
    assert any("US is not a licensed market" in r for r in forbidden.reasons)


def test_queueing_creates_shots_and_jobs_in_bulk_and_sends_after_commit(
    studio, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    batch, callbacks = queue(
        studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5"), variants=3
    )
    assert batch.jobs == 6 and len(callbacks) == 1
    jobs = RenderJob.objects.filter(batch=batch.batch)
    assert jobs.count() == 6 and {j.state for j in jobs} == {JobState.QUEUED}
    assert len({j.seed for j in jobs}) == 6 and len({j.idempotency_key for j in jobs}) == 6
    assert {j.priority for j in jobs} == {Priority.NORMAL}
    studio.campaign.refresh_from_db()
    assert studio.campaign.status == "in_production"
    event = AuditEvent.objects.get(verb="render.batch_queued")
    assert event.actor == studio.director.user and event.payload["jobs"] == 6
    # The same matrix again: every cell is there already, nothing is queued twice.
    with pytest.raises(Conflict, match="in the matrix already"):
        queue(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5"), variants=3)
    assert RenderJob.objects.count() == 6
    # A wider one would queue only its new cells, and counts the others.
    spec = studio.spec(formats=("1:1", "4:5"), variants=4)
    wider = matrix_plan(actor=studio.director, campaign=studio.campaign, spec=spec)
    assert (wider.renders, wider.already) == (2, 6)
    # Past production, more renders leave the campaign where it is (a shot redone in review).
    campaign_status_set(actor=studio.director, campaign=studio.campaign, status="in_review")
    queue(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5"), variants=4)
    studio.campaign.refresh_from_db()
    assert studio.campaign.status == "in_review" and RenderJob.objects.count() == 8


def test_queue_queries_do_not_grow_with_the_matrix(studio, django_capture_on_commit_callbacks):
    def queries(**spec):
        with CaptureQueriesContext(connection) as captured:
            queue(studio, django_capture_on_commit_callbacks, **spec)
        return len(captured)

    small = queries(formats=("1:1",), variants=1)
    large = queries(formats=("4:5", "9:16", "16:9"), variants=20)
    assert RenderJob.objects.count() == 61
    assert large <= small + 2  # bulk inserts, not a loop of saves


def test_shots_render_the_twins_newest_trained_version(studio, django_capture_on_commit_callbacks):
    """Not a newer one that failed to train or trains still, nor a retired one."""
    from twins.services import twin_version_retire

    twin = studio.world.twin_a
    for status in (TrainingStatus.FAILED, TrainingStatus.RUNNING, TrainingStatus.QUEUED):
        TwinVersion.objects.create(
            twin=twin,
            number=twin.versions.count() + 1,
            status=status,
            backend="reference",
            started_by=twin.talent.user,
        )
    queue(studio, django_capture_on_commit_callbacks, formats=("1:1",))
    assert Shot.objects.get().version == studio.version
    newest = trained_version(twin)
    queue(studio, django_capture_on_commit_callbacks, formats=("4:5",))
    assert Shot.objects.get(format="4:5").version == newest
    with django_capture_on_commit_callbacks(execute=True):
        twin_version_retire(actor=twin.talent.user, version=newest)
    queue(studio, django_capture_on_commit_callbacks, formats=("9:16",))
    assert Shot.objects.get(format="9:16").version == studio.version


def test_plan_queries_do_not_grow_with_looks_twins_channels_or_markets(studio):
    def plan(**spec):
        with CaptureQueriesContext(connection) as captured:
            planned = matrix_plan(
                actor=studio.director, campaign=studio.campaign, spec=studio.spec(**spec)
            )
        return planned, len(captured)

    _, small = plan()
    studio.campaign.markets = ["DE", "FR", "US"]
    studio.campaign.channels = ["instagram", "web", "tiktok"]
    studio.campaign.save()
    looks = [studio.look, *(look_duplicate(actor=studio.director, look=studio.look) for _ in "ab")]
    twins = (studio.world.twin_a, studio.world.twin_b)
    planned, large = plan(looks=[look.pk for look in looks], twins=[t.pk for t in twins])
    assert large == small  # 6 looks × twins, 9 channels × markets each: no query per check
    reasons = {(f.look.pk, f.twin.pk): f.reasons for f in planned.forbidden}
    for look in looks:  # ...and each check still answers for itself
        assert "US is not a licensed market (licensed: DE, FR)." in reasons[look.pk, twins[0].pk]
        assert "tiktok is not licensed (licensed: instagram, web)." in reasons[look.pk, twins[0].pk]
        assert reasons[look.pk, twins[1].pk][0] == "Brand A holds no active license for this twin."


def test_bad_input_is_refused_and_changes_nothing(studio, django_capture_on_commit_callbacks):
    foreign_look = studio.world.garment_b  # not a look, and another brand's id space
    # A scene is its campaign's: not one of the brand's other campaign, nor a rival's.
    ours = another_campaign(studio, "Winter")
    theirs = make_studio_b(studio)
    elsewhere = [
        scene_add(actor=actor, campaign=campaign, name="Snow", kind="colour", value="#ffffff")
        for actor, campaign in ((studio.director, ours), (studio.director_b, theirs))
    ]
    cases = [
        *(
            ({"scenes": (scene.pk,)}, f"No such scene in this campaign: {scene.pk}")
            for scene in elsewhere
        ),
        ({"poses": ("moonwalk",)}, "Poses are"),
        ({"formats": ("3:2",)}, "Formats are"),
        ({"formats": ("1:1", "3:2")}, "Formats are"),  # one unknown among known ones
        ({"formats": ()}, "Formats are"),
        ({"poses": ("standing-front", "moonwalk")}, "Poses are"),
        ({"poses": ()}, "Poses are"),
        ({"variants": 0}, "Variants"),
        ({"variants": 21}, "Variants"),
        ({"looks": ()}, "at least one of the looks"),
        ({"looks": (foreign_look.pk + 1000,)}, "No such look"),
        ({"scenes": (studio.scene.pk + 1000,)}, "No such scene"),
        ({"twins": ("x",)}, "by their ids"),
        ({"twins": (studio.world.twin_a.pk, 10**6)}, f"No such twin: {10**6}"),
        ({"priority": 42}, "Priority"),
    ]
    for changes, message in cases:
        with pytest.raises(StudioError, match=message):
            queue(studio, django_capture_on_commit_callbacks, **changes)
    assert not Shot.objects.exists() and not RenderJob.objects.exists()


def test_another_brand_cannot_plan_or_queue_on_our_campaign(
    studio, django_capture_on_commit_callbacks
):
    with pytest.raises(NotFound):
        matrix_plan(actor=studio.director_b, campaign=studio.campaign, spec=studio.spec())
    with pytest.raises(NotFound):
        queue_as(studio.director_b, studio, django_capture_on_commit_callbacks)
    # Brand B's own campaign cannot use Brand A's look.
    theirs = make_studio_b(studio)
    with pytest.raises(StudioError, match="No such look"):
        matrix_plan(actor=studio.director_b, campaign=theirs, spec=studio.spec())
    stylist = actor_for(studio.world.user("brand-a", "stylist"), "brand-a")
    with pytest.raises(PermissionDenied):
        matrix_plan(actor=stylist, campaign=studio.campaign, spec=studio.spec())
    assert not RenderJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_matrix_queued_twice_at_once_is_queued_once(studio):
    """Two directors press Queue on the same matrix at the same moment: the campaign's lock
    makes the second see the first's shots and queue none of them."""
    from tests.races import race

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    admin = actor_for(studio.world.user("brand-a", "brand_admin"), "brand-a")
    spec = studio.spec(formats=("1:1", "4:5"), variants=2)
    try:
        outcomes = race(
            *[
                lambda actor=actor: matrix_queue(actor=actor, campaign=studio.campaign, spec=spec)
                for actor in (studio.director, admin)
            ]
        )
    finally:
        broker_empty("gpu")
    assert sorted(outcomes) == [
        "Nothing to render: every shot is forbidden or in the matrix already.",
        "done",
    ]
    assert Shot.objects.count() == RenderJob.objects.count() == 4


def test_over_the_budget_nothing_is_queued(studio, django_capture_on_commit_callbacks):
    studio.campaign.gpu_budget_seconds = 1
    studio.campaign.save()
    with pytest.raises(Conflict, match="budget"):
        queue(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5"), variants=5)
    assert not RenderJob.objects.exists()


def test_a_file_gone_from_storage_fails_the_job_naming_what_is_missing(
    studio, django_capture_on_commit_callbacks
):
    """It used to fail with the OS's words and the server's path to the file."""
    from django.core.files.storage import default_storage

    garment = studio.look.items.get().garment
    batch, _ = queue(studio, django_capture_on_commit_callbacks)
    default_storage.delete(garment.cutout.name)
    job = render_job_run(job_id=str(RenderJob.objects.get(batch=batch.batch).pk), worker="w")
    assert job.state == JobState.FAILED and not Render.objects.exists()
    assert job.error == (
        f"MissingFile: The cut-out of Green top ({garment.sku}) is missing from storage:"
        " upload it again."
    )


def test_a_job_runs_once_and_a_second_delivery_does_nothing(
    studio, django_capture_on_commit_callbacks, media_files
):
    batch, _ = queue(studio, django_capture_on_commit_callbacks)
    job = RenderJob.objects.get(batch=batch.batch)
    with django_capture_on_commit_callbacks(execute=False) as thumbs:
        done = render_job_run(job_id=str(job.pk), worker="w1@host")
    assert done.state == JobState.SUCCEEDED and done.attempts == 1 and done.worker == "w1@host"
    assert done.gpu_seconds is not None and done.progress_step == done.progress_total == 1
    render = Render.objects.get(job=job)
    assert (render.width, render.height) == (1024, 1280) and len(thumbs) == 1
    assert render.thumbnail_sends == 1  # the reconciler counts its sends on from this one
    files = media_files()
    again = render_job_run(job_id=str(job.pk), worker="w2@host")
    assert again.worker == "w1@host" and again.attempts == 1
    assert Render.objects.count() == 1 and media_files() == files
    thumb = render_thumbnail_make(render_id=render.pk)
    with thumb.thumbnail.open("rb") as handle:
        assert Image.open(handle).size == (307, 384)  # 4:5 inside 384 × 384
    assert render_thumbnail_make(render_id=render.pk).thumbnail.name == thumb.thumbnail.name
    # A render of the same picture (the same request made again) shares the thumbnail's file.
    files = media_files()
    twin_job = RenderJob.objects.create(
        **{f.name: getattr(job, f.name) for f in RenderJob._meta.concrete_fields if f.name != "id"}
    )
    same = Render.objects.create(
        job=twin_job,
        brand=render.brand,
        campaign=render.campaign,
        image=render.image.name,
        sha256=render.sha256,
        width=render.width,
        height=render.height,
    )
    assert render_thumbnail_make(render_id=same.pk).thumbnail.name == thumb.thumbnail.name
    assert media_files() == files


def test_a_delivery_while_another_worker_holds_the_lease_waits(
    studio, django_capture_on_commit_callbacks
):
    batch, _ = queue(studio, django_capture_on_commit_callbacks)
    job = RenderJob.objects.get(batch=batch.batch)
    reported = timezone.now() - timedelta(seconds=10)
    RenderJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, worker="w1@host", attempts=1, heartbeat_at=reported
    )
    with pytest.raises(LeaseHeld) as held:
        render_job_run(job_id=str(job.pk), worker="w2@host")
    # It looks again a second after the lease would run out, not sooner, nor much later.
    left = settings.RENDER_LEASE_SECONDS - 10
    assert left + 0.5 < held.value.retry_in <= left + 1
    # The first worker died: once its lease ran out, the next delivery takes over.
    RenderJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    done = render_job_run(job_id=str(job.pk), worker="w2@host")
    assert done.state == JobState.SUCCEEDED and done.attempts == 2 and done.worker == "w2@host"


def test_a_second_delivery_while_the_job_renders_finds_it_held(
    world, backends, django_capture_on_commit_callbacks
):
    """Taking a job starts its lease, and each step renews it: a delivery of the same message
    mid-render (to another worker) leaves the job to the worker rendering it, rather than render
    it twice, however long the render has taken."""
    RedeliveredBackend.met.clear()
    done = run_on(world, "redelivered", django_capture_on_commit_callbacks, worker="first@host")
    assert RedeliveredBackend.met == ["held", "held"]
    assert (done.state, done.worker, done.attempts) == (JobState.SUCCEEDED, "first@host", 1)
    assert (done.progress_step, done.progress_total, done.gpu) == (2, 2, "NVIDIA H100 80GB HBM3")
    assert done.started_at is not None and done.finished_at is not None
    assert done.started_at <= done.finished_at and Render.objects.filter(job=done).count() == 1


def test_a_job_the_database_refuses_to_start_counts_its_attempts_then_fails(
    studio, django_capture_on_commit_callbacks
):
    """Taking a job raises (a full disk refuses it as running): a queued job counts the attempt
    and keeps the reason for the reconciler's next send, and fails on its last; a job the
    refusal met running (a dead worker's, being taken over) is left to the reconciler."""
    if connection.vendor != "postgresql":
        pytest.skip("the refusal is a PostgreSQL trigger")
    batch, _ = queue(studio, django_capture_on_commit_callbacks)
    job = RenderJob.objects.get(batch=batch.batch)
    stale = timezone.now() - timedelta(minutes=5)
    running = queued_again(job)
    RenderJob.objects.filter(pk=running.pk).update(
        state=JobState.RUNNING, worker="gone@host", attempts=1, heartbeat_at=stale
    )
    full = "could not extend file: No space left on device"
    # Refused as it changes hands: what counts the attempt still writes.
    with database_refuses("campaigns_renderjob", "NEW.worker <> OLD.worker", full):
        for attempts in (1, 2, 3):
            with pytest.raises(OperationalError, match=full):
                render_job_run(job_id=str(job.pk), worker="w")
            job.refresh_from_db()
            assert job.attempts == attempts and job.started_at is None
            assert job.error.startswith(f"Could not start: OperationalError: {full}") == (
                attempts < 3
            )
            assert job.state == (JobState.QUEUED if attempts < 3 else JobState.FAILED)
        with pytest.raises(OperationalError, match=full):
            render_job_run(job_id=str(running.pk), worker="w")
    assert job.error.startswith("Gave up after 3 attempts: Could not start: OperationalError")
    running.refresh_from_db()
    assert (running.state, running.worker, running.attempts) == (JobState.RUNNING, "gone@host", 1)
    assert running.error == "" and not Render.objects.exists()


def test_a_poison_job_is_failed_not_looped(studio, django_capture_on_commit_callbacks, settings):
    batch, _ = queue(studio, django_capture_on_commit_callbacks)
    job = RenderJob.objects.get(batch=batch.batch)
    RenderJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING,
        attempts=settings.RENDER_MAX_ATTEMPTS,
        heartbeat_at=timezone.now() - timedelta(minutes=5),
    )
    done = render_job_run(job_id=str(job.pk), worker="w9@host")
    assert done.state == JobState.FAILED and "Gave up after 3 attempts" in done.error
    assert not Render.objects.exists()


def test_a_license_that_lapsed_after_queueing_fails_the_job_at_start(
    studio, django_capture_on_commit_callbacks
):
    batch, _ = queue(studio, django_capture_on_commit_callbacks)
    job = RenderJob.objects.get(batch=batch.batch)
    # The talent now excludes tops, and the license was revoked without its handlers running.
    StandingTerms.objects.create(talent=studio.world.talent_a, excluded_categories=["top"])
    License.objects.filter(brand=studio.world.brand_a).update(status="revoked")
    done = render_job_run(job_id=str(job.pk), worker="w1@host")
    assert done.state == JobState.FAILED
    assert "The talent never wears top." in done.error
    assert "Brand A holds no active license for this twin." in done.error
    assert not Render.objects.exists()
    assert AuditEvent.objects.filter(verb="render.failed", object_id=str(job.pk)).exists()


def test_revoking_the_license_cancels_that_brands_queued_renders_only(
    studio, django_capture_on_commit_callbacks
):
    batch, _ = queue(studio, django_capture_on_commit_callbacks, variants=2)
    running = RenderJob.objects.filter(batch=batch.batch).first()
    RenderJob.objects.filter(pk=running.pk).update(
        state=JobState.RUNNING, heartbeat_at=timezone.now()
    )
    license_a = License.objects.get(brand=studio.world.brand_a, twin=studio.world.twin_a)
    with django_capture_on_commit_callbacks(execute=True):
        license_revoke(actor=studio.world.talent_a.user, license=license_a, reason="Ended our deal")
    states = dict(RenderJob.objects.values_list("pk", "state"))
    assert states[running.pk] == JobState.RUNNING  # asked to stop at its next step
    running.refresh_from_db()
    assert running.cancel_requested_at is not None
    assert "Ended our deal" in running.error
    assert sorted(states.values()) == [JobState.CANCELLED, JobState.RUNNING]
    # Brand B still holds its own license for the same twin: nothing of theirs is touched.
    assert License.objects.get(brand=studio.world.brand_b).status == "active"


def test_a_revoked_license_stops_only_the_renders_no_other_license_covers(
    studio, django_capture_on_commit_callbacks
):
    """Brand A loses its license for twin A: its renders of twin A stop, but not brand B's of
    the same twin (B holds its own license), nor brand A's of another talent's twin; and none at
    all while brand A still holds a second license for twin A that covers them."""
    world, talent = studio.world, studio.world.talent_a.user
    terms = {"current": True, "markets": ["DE"], "channels": ["instagram"], "categories": ["top"]}
    LicenseFactory(twin=world.twin_b, brand=world.brand_a, **terms)
    first = License.objects.get(twin=world.twin_a, brand=world.brand_a)
    second = LicenseFactory(twin=world.twin_a, brand=world.brand_a, **terms)
    queue(studio, django_capture_on_commit_callbacks)
    queue(studio, django_capture_on_commit_callbacks, twins=(world.twin_b.pk,))
    theirs = make_studio_b(studio)
    sand = scene_add(
        actor=studio.director_b, campaign=theirs, name="Sand", kind="colour", value="#ddccaa"
    )
    top = GarmentFactory(brand=world.brand_b, category="top")
    look = look_save(actor=studio.director_b, name="B's look", items=[LookItemInput(top.pk)])
    with django_capture_on_commit_callbacks(execute=False):
        matrix_queue(
            actor=studio.director_b,
            campaign=theirs,
            spec=studio.spec(looks=(look.pk,), scenes=(sand.pk,)),
        )

    def states():
        return {
            (job.brand_id, job.version.twin_id): job.state
            for job in RenderJob.objects.select_related("version")
        }

    queued = {
        (world.brand_a.pk, world.twin_a.pk): JobState.QUEUED,
        (world.brand_a.pk, world.twin_b.pk): JobState.QUEUED,
        (world.brand_b.pk, world.twin_a.pk): JobState.QUEUED,
    }
    assert states() == queued
    with django_capture_on_commit_callbacks(execute=True):
        license_revoke(actor=talent, license=first, reason="Replaced by the new deal")
    assert states() == queued  # the second license covers them
    with django_capture_on_commit_callbacks(execute=True):
        license_revoke(actor=talent, license=second, reason="Ended our deal")
    assert states() == {**queued, (world.brand_a.pk, world.twin_a.pk): JobState.CANCELLED}


def test_a_revoked_license_stops_renders_another_license_of_the_brand_does_not_cover(
    studio, django_capture_on_commit_callbacks
):
    """Brand A keeps a second license for twin A, but for France only: its campaign in Germany
    is covered by nothing once the first is revoked, so its renders stop, the running one too,
    as they would fail at their start. Its campaign in France renders on."""
    world, talent = studio.world, studio.world.talent_a.user
    first = License.objects.get(twin=world.twin_a, brand=world.brand_a)
    LicenseFactory(
        twin=world.twin_a, brand=world.brand_a, current=True, markets=["FR"],
        channels=["instagram"], categories=["top"],
    )  # fmt: skip
    germany, _ = queue(studio, django_capture_on_commit_callbacks, variants=2)
    running = RenderJob.objects.filter(batch=germany.batch).first()
    RenderJob.objects.filter(pk=running.pk).update(
        state=JobState.RUNNING, heartbeat_at=timezone.now()
    )
    paris = another_campaign(studio, "Paris", markets=["FR"])
    zinc = scene_add(actor=studio.director, campaign=paris, name="Zinc", kind="colour",
                     value="#8899aa")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=False):
        france = matrix_queue(
            actor=studio.director, campaign=paris, spec=studio.spec(scenes=(zinc.pk,))
        )
    with django_capture_on_commit_callbacks(execute=True):
        license_revoke(actor=talent, license=first, reason="Germany is over")
    stopped = RenderJob.objects.filter(batch=germany.batch)
    assert sorted(stopped.values_list("state", flat=True)) == [
        JobState.CANCELLED, JobState.RUNNING  # the running one is asked to stop
    ]  # fmt: skip
    assert all("Germany is over" in job.error for job in stopped)
    assert stopped.get(pk=running.pk).cancel_requested_at is not None
    assert RenderJob.objects.get(batch=france.batch).state == JobState.QUEUED


def test_withdrawn_consent_cancels_every_brands_renders(studio, django_capture_on_commit_callbacks):
    queue(studio, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        twin_consent_revoke(
            actor=studio.world.talent_a.user, twin=studio.world.twin_a, reason="No more"
        )
    assert set(RenderJob.objects.values_list("state", flat=True)) == {JobState.CANCELLED}


def test_a_retired_version_stops_its_renders_and_is_never_rendered_again(
    studio, django_capture_on_commit_callbacks
):
    """Retiring a version cancels its queued renders and stops its running ones; a job whose
    retirement slipped past that is failed when a worker takes it. Only that version: the twin's
    other versions render on."""
    from twins.services import twin_version_retire

    talent = studio.world.talent_a.user
    mine, _ = queue(studio, django_capture_on_commit_callbacks, variants=3)
    jobs = list(RenderJob.objects.filter(batch=mine.batch).order_by("pk"))
    RenderJob.objects.filter(pk=jobs[0].pk).update(
        state=JobState.RUNNING, heartbeat_at=timezone.now()
    )
    newer = trained_version(studio.world.twin_a)
    untouched = RenderJob.objects.create(
        brand=studio.world.brand_a,
        campaign=studio.campaign,
        shot=jobs[1].shot,
        batch=uuid.uuid4(),
        backend="preview",
        version=newer,
        seed=7,
        idempotency_key="another version",
    )
    with django_capture_on_commit_callbacks(execute=True):
        twin_version_retire(actor=talent, version=studio.version)
    running, queued, other = (RenderJob.objects.get(pk=job.pk) for job in jobs[:3])
    assert running.state == JobState.RUNNING and running.cancel_requested_at is not None
    assert "The talent retired version 1 of the twin." in running.error
    assert queued.state == other.state == JobState.CANCELLED
    assert "A retired version is never rendered again." in queued.error
    untouched.refresh_from_db()
    assert untouched.state == JobState.QUEUED and untouched.cancel_requested_at is None

    # Queued before the retirement, its handler never ran: the worker refuses it.
    slipped = RenderJob.objects.filter(pk=queued.pk)
    slipped.update(state=JobState.QUEUED, cancel_requested_at=None, finished_at=None, error="")
    done = render_job_run(job_id=str(queued.pk), worker="w1@host")
    assert done.state == JobState.FAILED
    assert done.error == (
        "The talent retired version 1 of the twin. A retired version is never rendered again."
    )
    assert not Render.objects.filter(job=queued.pk).exists()


def test_a_shot_of_a_retired_version_renders_the_twins_newest_version_or_says_why_not(
    studio, django_capture_on_commit_callbacks
):
    """Retry, re-render and retry-all of a shot whose version was retired render the twin's
    newest version in its place (the cell stays the matrix's); with no other version, or one
    without the pose's reference photo, they refuse and say why."""
    from twins.services import twin_version_retire

    talent = studio.world.talent_a.user
    batch, _ = queue(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5"))
    first, second = RenderJob.objects.filter(batch=batch.batch).order_by("pk")
    with django_capture_on_commit_callbacks(execute=True):
        twin_version_retire(actor=talent, version=studio.version)
    first.refresh_from_db()
    with pytest.raises(Conflict, match="retired version 1 of the twin and no other version"):
        render_job_retry(actor=studio.director, job=first)
    with pytest.raises(Conflict, match="retired version 1 of the twin and no other version"):
        render_job_rerender(actor=studio.director, job=first)
    RenderJob.objects.filter(pk=second.pk).update(state=JobState.FAILED)
    with pytest.raises(Conflict, match="retired versions, no longer allow any of the failed"):
        render_jobs_retry_failed(actor=studio.director, campaign=studio.campaign)
    assert RenderJob.objects.count() == 2

    profile_only = trained_version(studio.world.twin_a, angles=("profile_left",))
    with pytest.raises(Conflict, match="in version 2: The twin version has no reference photo"):
        render_job_retry(actor=studio.director, job=first)
    with django_capture_on_commit_callbacks(execute=True):
        twin_version_retire(actor=talent, version=profile_only)
    newest = trained_version(studio.world.twin_a)
    again = render_job_retry(actor=studio.director, job=first)
    assert again.version == newest and again.seed == first.seed
    assert Shot.objects.get(pk=first.shot_id).version == newest
    assert render_job_run(job_id=str(again.pk), worker="w").state == JobState.SUCCEEDED

    retried = render_jobs_retry_failed(actor=studio.director, campaign=studio.campaign)
    assert (retried.jobs, retried.forbidden) == (1, 0)
    assert RenderJob.objects.get(batch=retried.batch).version == newest


def test_cancel_retry_rerender_and_shortlist(studio, django_capture_on_commit_callbacks):
    queue(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5"))
    # The job of the campaign's second shot, and not the brand's first job (newest first).
    neighbour, job = RenderJob.objects.order_by("shot__format")
    RenderJob.objects.filter(pk=neighbour.pk).update(queued_at=job.queued_at + timedelta(seconds=1))
    assert RenderJob.objects.first() == neighbour
    with pytest.raises(NotFound):
        render_job_cancel(actor=studio.director_b, job=job)  # another brand's job
    cancelled = render_job_cancel(actor=studio.director, job=job)
    assert cancelled.state == JobState.CANCELLED
    # Queued, it ends at once: asked and finished in the same moment.
    assert cancelled.finished_at is not None
    assert cancelled.cancel_requested_at == cancelled.finished_at
    assert cancelled.pk == job.pk
    neighbour.refresh_from_db()  # that job alone is cancelled
    assert neighbour.state == JobState.QUEUED and neighbour.cancel_requested_at is None
    event = AuditEvent.objects.get(verb="render.cancelled")  # in the brand's log, naming the job
    assert (event.brand, event.actor, event.object_id) == (
        studio.world.brand_a,
        studio.director.user,
        str(job.pk),
    )
    with pytest.raises(Conflict, match="This job is cancelled already"):
        render_job_cancel(actor=studio.director, job=cancelled)
    assert (
        render_job_run(job_id=str(job.pk), worker="w").state == JobState.CANCELLED
    )  # late message
    with django_capture_on_commit_callbacks(execute=False) as sent:
        retried = render_job_retry(actor=studio.director, job=cancelled)
    assert retried.pk != job.pk and retried.seed == job.seed and retried.shot_id == job.shot_id
    assert len(sent) == 1
    with pytest.raises(Conflict, match="being rendered"):
        render_job_rerender(actor=studio.director, job=retried)
    done = render_job_run(job_id=str(retried.pk), worker="w")
    with pytest.raises(Conflict, match="This job is succeeded already"):
        render_job_cancel(actor=studio.director, job=done)
    assert AuditEvent.objects.filter(verb="render.cancelled").count() == 1  # the first alone
    with django_capture_on_commit_callbacks(execute=False):
        fresh = render_job_rerender(actor=studio.director, job=done)
    assert fresh.seed != done.seed and fresh.idempotency_key != done.idempotency_key
    # In the brand's log: who rendered which job again, from which, with which seed.
    again = AuditEvent.objects.filter(verb__in=["render.retried", "render.rerendered"])
    assert [
        (e.verb, e.brand, e.actor, e.object_id, e.payload)
        for e in again.order_by("created_at", "id")
    ] == [
        (
            "render.retried",
            studio.world.brand_a,
            studio.director.user,
            str(retried.pk),
            {"previous": str(job.pk), "seed": job.seed},
        ),
        (
            "render.rerendered",
            studio.world.brand_a,
            studio.director.user,
            str(fresh.pk),
            {"previous": str(done.pk), "seed": fresh.seed},
        ),
    ]
    render = Render.objects.get(job=done)
    other = Render.objects.get(job=render_job_run(job_id=str(neighbour.pk), worker="w"))
    with pytest.raises(NotFound):
        render_shortlist(actor=studio.director_b, render=render, shortlisted=True)
    picked = render_shortlist(actor=studio.director, render=render, shortlisted=True)
    assert picked.pk == render.pk  # that render, not the brand's first
    assert picked.shortlisted_at and picked.shortlisted_by == studio.director.user
    assert Render.objects.get(pk=other.pk).shortlisted_at is None
    again = render_shortlist(actor=studio.director, render=render, shortlisted=True)  # a 2nd click
    assert again.shortlisted_at == picked.shortlisted_at  # shortlisted when first picked
    dropped = render_shortlist(actor=studio.director, render=render, shortlisted=False)
    assert (dropped.shortlisted_at, dropped.shortlisted_by) == (None, None)
    verbs = AuditEvent.objects.filter(verb__endswith="shortlisted", object_id=str(render.pk))
    assert list(verbs.order_by("pk").values_list("verb", flat=True)) == [
        "render.shortlisted",
        "render.unshortlisted",
    ]


def test_cancel_a_batch_and_a_campaign(studio, django_capture_on_commit_callbacks):
    first, _ = queue(studio, django_capture_on_commit_callbacks, formats=("1:1",))
    second, _ = queue(studio, django_capture_on_commit_callbacks, formats=("4:5",), variants=2)
    with pytest.raises(NotFound, match="No such batch"):  # not theirs
        render_jobs_cancel(actor=studio.director_b, batch=first.batch)
    with pytest.raises(Conflict, match="Say which campaign or batch"):
        render_jobs_cancel(actor=studio.director)  # not every job of the brand
    assert RenderJob.objects.filter(state=JobState.QUEUED).count() == 3
    assert render_jobs_cancel(actor=studio.director, batch=first.batch).queued == 1
    said = AuditEvent.objects.get(verb="render.batch_cancelled", brand=studio.world.brand_a)
    assert said.payload == {"campaign": None, "batch": str(first.batch), "queued": 1, "running": 0}
    assert RenderJob.objects.filter(batch=second.batch, state=JobState.QUEUED).count() == 2
    winter = another_campaign(studio, "Winter")  # the brand's other campaign renders on
    snow = scene_add(
        actor=studio.director, campaign=winter, name="Snow", kind="colour", value="#fff000"
    )
    with django_capture_on_commit_callbacks(execute=False):
        matrix_queue(actor=studio.director, campaign=winter, spec=studio.spec(scenes=(snow.pk,)))
    done = render_jobs_cancel(actor=studio.director, campaign_id=studio.campaign.pk)
    assert (done.queued, done.running) == (2, 0)
    assert not RenderJob.objects.filter(campaign=studio.campaign, state=JobState.QUEUED).exists()
    assert RenderJob.objects.get(campaign=winter).state == JobState.QUEUED


def test_a_stopping_job_keeps_the_first_reason_it_was_given(
    studio, django_capture_on_commit_callbacks
):
    """A running job asked to stop by the talent's revocation is not asked again by a later
    campaign cancel: the render farm and the board go on showing why and since when."""
    batch, _ = queue(studio, django_capture_on_commit_callbacks, variants=2)
    running, queued = RenderJob.objects.filter(batch=batch.batch).order_by("pk")
    RenderJob.objects.filter(pk=running.pk).update(
        state=JobState.RUNNING, heartbeat_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        twin_consent_revoke(
            actor=studio.world.talent_a.user, twin=studio.world.twin_a, reason="Enough"
        )
    running.refresh_from_db()
    asked_at, why = running.cancel_requested_at, running.error
    assert asked_at is not None and "Enough" in why
    RenderJob.objects.filter(pk=queued.pk).update(  # queued again after the revocation
        state=JobState.QUEUED, cancel_requested_at=None, finished_at=None, error=""
    )

    done = render_jobs_cancel(actor=studio.director, campaign_id=studio.campaign.pk)

    assert (done.queued, done.running) == (1, 0)  # the stopping job is not counted again
    running.refresh_from_db()
    assert (running.cancel_requested_at, running.error) == (asked_at, why)
    with pytest.raises(Conflict, match="stopping already"):
        render_job_cancel(actor=studio.director, job=running)
    # Its worker died; the message delivered again finds it asked to stop: it ends, saying why.
    gone = timezone.now() - timedelta(hours=1)
    RenderJob.objects.filter(pk=running.pk).update(heartbeat_at=gone)
    ended = render_job_run(job_id=str(running.pk), worker="w2")
    assert (ended.state, ended.error) == (JobState.CANCELLED, why)


def test_same_request_twice_reuses_the_first_render(
    studio, django_capture_on_commit_callbacks, media_files
):
    batch, _ = queue(studio, django_capture_on_commit_callbacks)
    job = RenderJob.objects.get(batch=batch.batch)
    render_job_run(job_id=str(job.pk), worker="w")
    twin = queued_again(job)
    files = media_files()
    done = render_job_run(job_id=str(twin.pk), worker="w")
    assert done.state == JobState.SUCCEEDED
    assert Render.objects.get(job=twin).image.name == Render.objects.get(job=job).image.name
    assert Render.objects.get(job=twin).meta["reused_from"] == str(job.pk)
    assert media_files() == files


def test_a_job_renders_its_look_as_it_is_when_a_worker_takes_it(
    studio, django_capture_on_commit_callbacks
):
    """The stylist changed the look after a job was queued: the job renders the look as it is
    now and is keyed by that, rather than passing off a render of the old look as its own."""
    batch, _ = queue(studio, django_capture_on_commit_callbacks)
    first = RenderJob.objects.get(batch=batch.batch)
    render_job_run(job_id=str(first.pk), worker="w")
    waiting = queued_again(first)  # queued before the look changes
    restyle(studio)

    done = render_job_run(job_id=str(waiting.pk), worker="w")

    assert done.state == JobState.SUCCEEDED
    assert done.idempotency_key != first.idempotency_key
    old, new = Render.objects.get(job=first), Render.objects.get(job=done)
    assert "reused_from" not in new.meta and new.sha256 != old.sha256
    # The new look's render is what the same request reuses from now on.
    later = render_job_run(job_id=str(queued_again(done).pk), worker="w")
    assert later.idempotency_key == done.idempotency_key
    assert Render.objects.get(job=later).meta["reused_from"] == str(done.pk)


def test_a_renamed_garment_is_rendered_afresh_not_reused(
    studio, django_capture_on_commit_callbacks
):
    """A generative backend puts the garments' names in its prompt: a render made under the old
    name is not reused for a request under the new one."""
    batch, _ = queue(studio, django_capture_on_commit_callbacks)
    first = RenderJob.objects.get(batch=batch.batch)
    render_job_run(job_id=str(first.pk), worker="w")
    garment = studio.look.items.get().garment
    garment_update(actor=stylist(studio), garment=garment, name="Moss green top")

    done = render_job_run(job_id=str(queued_again(first).pk), worker="w")

    assert done.state == JobState.SUCCEEDED and done.idempotency_key != first.idempotency_key
    assert "reused_from" not in Render.objects.get(job=done).meta


def test_a_failing_backend_fails_the_job_with_its_error(
    world, backends, django_capture_on_commit_callbacks
):
    done = run_on(world, "failing", django_capture_on_commit_callbacks)
    assert done.state == JobState.FAILED and done.error == "RuntimeError: CUDA out of memory"
    # The GPU time it used before failing is spent all the same.
    assert done.gpu_seconds >= 0.05
    assert campaign_gpu_use(done.campaign).spent == done.gpu_seconds


def test_a_version_renders_on_the_base_it_was_trained_on_where_the_worker_has_it(
    world, backends, settings, django_capture_on_commit_callbacks, tmp_path
):
    """A LoRA fits only its own base: a worker that has the version's base weights at the same
    path renders on them; one that has not, on its configured base."""
    settings.RENDER_BASE_MODEL = "/weights/the-workers-own"
    studio = make_studio(world, backend="says-base")
    TwinVersion.objects.filter(pk=studio.version.pk).update(base_model=str(tmp_path))
    batch, _ = queue(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5"))
    first, second = RenderJob.objects.filter(batch=batch.batch)
    done = render_job_run(job_id=str(first.pk), worker="w")
    assert done.error == f"RuntimeError: base {tmp_path}"
    TwinVersion.objects.filter(pk=studio.version.pk).update(base_model=str(tmp_path / "gone"))
    done = render_job_run(job_id=str(second.pk), worker="w")
    assert done.error == "RuntimeError: base /weights/the-workers-own"


def test_a_job_stopped_mid_render_ends_cancelled_saying_why(
    world, backends, django_capture_on_commit_callbacks
):
    done = run_on(world, "stopped", django_capture_on_commit_callbacks)
    assert (done.state, done.error) == (JobState.CANCELLED, "The campaign was archived.")
    assert done.finished_at is not None and not Render.objects.exists()
    assert done.gpu_seconds >= 0.05  # the steps it rendered before it stopped


def test_a_worker_overtaken_mid_render_leaves_the_job_to_its_new_worker(
    world, backends, django_capture_on_commit_callbacks
):
    """A worker presumed dead that fails (or is cancelled) afterwards does not fail the job the
    worker that took it over is rendering."""
    done = run_on(world, "overtaken", django_capture_on_commit_callbacks, worker="w1@host")
    assert (done.state, done.worker, done.attempts) == (JobState.RUNNING, "other@host", 2)
    assert done.error == "" and done.finished_at is None
    assert done.progress_step == 0  # its step after the takeover was refused: told to stop


def test_a_worker_overtaken_mid_render_that_finishes_stores_nothing(
    world, backends, django_capture_on_commit_callbacks
):
    done = run_on(world, "overtaken-finishes", django_capture_on_commit_callbacks, worker="w1")
    assert (done.state, done.worker, done.attempts) == (JobState.RUNNING, "other@host", 2)
    assert not Render.objects.exists()


def test_a_cancel_after_the_last_step_ends_the_job_cancelled_without_its_render(
    world, backends, django_capture_on_commit_callbacks
):
    done = run_on(world, "cancelled-late", django_capture_on_commit_callbacks)
    assert (done.state, done.error) == (JobState.CANCELLED, "Stopped by the director.")
    assert not Render.objects.exists() and done.gpu_seconds >= 0.05


def test_a_picture_that_cannot_be_stored_fails_the_job_with_the_reason(
    studio, django_capture_on_commit_callbacks, settings
):
    # Where the brand's renders folder would go, a file: storage refuses to make the folder.
    (Path(settings.MEDIA_ROOT) / "renders").write_bytes(b"")
    batch, _ = queue(studio, django_capture_on_commit_callbacks)
    done = render_job_run(job_id=str(RenderJob.objects.get(batch=batch.batch).pk), worker="w")
    assert done.state == JobState.FAILED
    # The director reads what failed, not where on the server (the worker's log has that).
    assert done.error == (
        "The picture could not be stored (NotADirectoryError); see the worker's log."
    )
    assert done.finished_at is not None and not Render.objects.exists()
    assert done.gpu_seconds is not None and done.gpu_seconds > 0  # it rendered the picture


def test_a_large_batch_is_sent_by_a_task_once(studio, django_capture_on_commit_callbacks):
    """Up to SEND_INLINE_MAX jobs are sent once the queueing commits; more, by one task on the
    default queue that sends them."""
    broker_empty("gpu", "default")
    for n in range(4):
        scene_add(actor=studio.director, campaign=studio.campaign, name=f"S{n}", kind="colour",
                  value=f"#00{n}000")  # fmt: skip
    scenes = tuple(studio.campaign.scenes.values_list("pk", flat=True))
    drawn = studio.version.annotations["poses"]  # the poses with a reference photo: two
    poses = tuple(name for name, pose in POSES.items() if pose.angle in drawn)
    with django_capture_on_commit_callbacks(execute=True):
        inline = matrix_queue(
            actor=studio.director,
            campaign=studio.campaign,
            spec=studio.spec(poses=poses, scenes=scenes, formats=tuple(FORMATS), variants=5),
        )
    assert inline.jobs == 200 == SEND_INLINE_MAX
    assert not RenderJob.objects.filter(batch=inline.batch, sent_at=None).exists()
    assert len(broker_take("gpu")) == 200 and broker_take("default") == []
    items = [LookItemInput(item.garment_id) for item in studio.look.items.all()]
    other = look_save(actor=studio.director, name="Another look", items=items)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = matrix_queue(
            actor=studio.director,
            campaign=studio.campaign,
            spec=studio.spec(
                looks=(other.pk,), scenes=scenes[:3], formats=tuple(FORMATS), variants=20
            ),
        )
    assert batch.jobs == 240 > SEND_INLINE_MAX and len(callbacks) == 1
    callbacks[0]()
    assert broker_take("default") == [
        ("campaigns.tasks.render_batch_send_task", [str(batch.batch)])
    ]
    assert not RenderJob.objects.filter(batch=batch.batch).exclude(sent_at=None).exists()
    assert render_batch_send(batch=batch.batch) == 240
    assert not RenderJob.objects.filter(sent_at=None).exists()
    assert render_batch_send(batch=batch.batch) == 0  # a second delivery sends nothing twice
    assert len(broker_take("gpu")) == 240


def test_a_jobs_queries_do_not_grow_with_the_garments_of_its_look(
    studio, django_capture_on_commit_callbacks
):
    def run_queries(look) -> int:
        spec = studio.spec(looks=(look.pk,))
        with django_capture_on_commit_callbacks(execute=False):
            batch = matrix_queue(actor=studio.director, campaign=studio.campaign, spec=spec)
        job = RenderJob.objects.get(batch=batch.batch)
        with CaptureQueriesContext(connection) as captured:
            assert render_job_run(job_id=str(job.pk), worker="w").state == JobState.SUCCEEDED
        return len(captured)

    garments = [
        GarmentFactory(
            brand=studio.world.brand_a,
            category=category,
            cutout=ContentFile(draw_cutout(category, (90, 90, 90)), name=f"{category}.png"),
        )
        for category in ("top", "bottom", "outerwear")
    ]
    layered = look_save(
        actor=studio.director, name="Layered", items=[LookItemInput(g.pk) for g in garments]
    )
    one = run_queries(studio.look)
    # Two more garments are two more steps, each reporting its progress once; no other query
    # grows with the look (its items and garments are fetched once, with the job).
    assert run_queries(layered) == one + 2


@pytest.mark.defaults  # COPY on PostgreSQL, bulk_create on the embedded SQLite
def test_bulk_insert_writes_what_save_writes_and_refuses_a_duplicate_whole(
    studio, django_capture_on_commit_callbacks
):
    batch, _ = queue(studio, django_capture_on_commit_callbacks, formats=("1:1",), variants=1)
    queued = RenderJob.objects.get(batch=batch.batch)
    shot = queued.shot

    def copies(model, obj, **changes):
        fields = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
        fields.pop(model._meta.pk.attname)
        return model(**{**fields, **changes}), model(**{**fields, **changes})

    by_copy, by_save = copies(RenderJob, queued, params={"steps": 4}, error="é \\ \t\n")
    with CaptureQueriesContext(connection) as captured:
        bulk_insert([by_copy])
    by_save.save()
    assert len(captured) == 1 and by_copy.pk and not by_copy._state.adding

    def row(model, pk):
        return model.objects.filter(pk=pk).values().get()

    assert {**row(RenderJob, by_copy.pk), "id": None} == {**row(RenderJob, by_save.pk), "id": None}
    written = row(RenderJob, by_copy.pk)
    assert written["params"] == {"steps": 4} and written["error"] == "é \\ \t\n"
    assert written["state"] == JobState.QUEUED

    # An auto id is drawn for each new row; auto_now_add is applied.
    new_a, new_b = copies(Shot, shot, variant=7)
    new_b.variant = 8
    bulk_insert([new_a, new_b])
    assert new_a.pk and new_b.pk and new_a.pk != new_b.pk
    assert Shot.objects.get(pk=new_b.pk).created_at > shot.created_at

    # One row breaking a constraint: none of them is inserted, and the error is Django's.
    before = Shot.objects.count()
    fresh, duplicate = copies(Shot, shot, variant=9)
    duplicate.variant = shot.variant
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert([fresh, duplicate])
    assert Shot.objects.count() == before


def test_a_license_with_every_licensed_asset_published_still_renders(
    studio, django_capture_on_commit_callbacks
):
    """A license's cap counts published assets: it stops the next publication, not renders
    (the director may make new pictures to publish under another license, or after a renewal)."""
    from twins.services import usage_record

    license = License.objects.get(twin=studio.world.twin_a, brand=studio.world.brand_a)
    License.objects.filter(pk=license.pk).update(max_published_assets=1)
    today = timezone.localdate()
    usage_record(
        license=license, asset_ref="a-1", channel="instagram", markets=["DE"], used_on=today
    )
    batch, _ = queue(studio, django_capture_on_commit_callbacks)
    assert batch.jobs == 1 and not batch.forbidden
    done = render_job_run(job_id=str(RenderJob.objects.get().pk), worker="w")
    assert done.state == JobState.SUCCEEDED, done.error
