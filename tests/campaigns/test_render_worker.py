"""Render jobs on real Celery workers: end to end with a thumbnail, a worker killed mid-job, a
message the broker lost (a job's or a thumbnail's), cancel of a queued and of a running job, and
a license that lapsed between queueing and start."""

import base64
import json
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from campaigns.enums import JobState, Priority
from campaigns.models import Render, RenderJob, RenderWorker
from campaigns.selectors import render_farm
from campaigns.services import render_job_cancel, render_job_run, render_jobs_reconcile
from campaigns.services.matrix import matrix_queue
from campaigns.services.rendering import thumbnail_queue, thumbnail_task_id
from studio.broker import orphaned_messages_restore, queue_depths
from studio.celery import app
from studio.models import AuditEvent
from tests.campaigns.conftest import Studio, make_studio, worker_env
from tests.races import started, waiting
from tests.worker import (
    broker_empty,
    broker_held,
    broker_lose,
    celery_worker,
    database_refuses,
    wait_for,
)
from twins.models import StandingTerms

pytestmark = [pytest.mark.worker, pytest.mark.timeout(240)]


@pytest.fixture(autouse=True)
def _empty_queues() -> None:
    """Each test starts on an empty broker: nothing waiting, and nothing unacknowledged that a
    worker of an earlier test was still holding when it stopped."""
    broker_empty("gpu", "cpu")


def job_of(studio: Studio, **spec) -> RenderJob:
    batch = matrix_queue(actor=studio.director, campaign=studio.campaign, spec=studio.spec(**spec))
    return RenderJob.objects.filter(batch=batch.batch).order_by("shot__variant")[0]


def state(job: RenderJob) -> str:
    job.refresh_from_db()
    return job.state


def redis_only() -> None:
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("the unacked set and its restore are Redis'")


@pytest.mark.defaults
def test_a_job_runs_end_to_end_with_its_thumbnail(world, tmp_path, transactional_db):
    studio = make_studio(world)
    job = job_of(studio)
    assert str(job.pk) in broker_held()
    with celery_worker("gpu,cpu", tmp_path / "worker.log") as worker:
        assert wait_for(lambda: state(job) == JobState.SUCCEEDED, 60), (
            tmp_path / "worker.log"
        ).read_text()
        render = Render.objects.get(job=job)
        assert wait_for(lambda: Render.objects.get(pk=render.pk).thumbnail, 30)
        record = wait_for(lambda: RenderWorker.objects.filter(hostname=worker.hostname).first(), 15)
        assert record.queues == ["cpu", "gpu"] and record.stopped_at is None
        assert wait_for(lambda: "preview" in RenderWorker.objects.get(pk=record.pk).backends, 5)
    job.refresh_from_db()
    assert job.worker == worker.hostname and job.attempts == 1 and (job.gpu_seconds or 0) > 0
    assert RenderWorker.objects.get(hostname=worker.hostname).stopped_at is not None


def test_a_worker_killed_mid_job_gives_exactly_one_render(
    world, backends, tmp_path, transactional_db, monkeypatch
):
    redis_only()
    runs = tmp_path / "runs.log"
    worker_env(monkeypatch, RENDER_RUN_LOG=str(runs), RENDER_LEASE_SECONDS="2")
    studio = make_studio(world, backend="slow")
    job = job_of(studio)
    with celery_worker("gpu", tmp_path / "a.log") as first:
        assert wait_for(lambda: RenderJob.objects.get(pk=job.pk).progress_step >= 3, 30)
        first.kill()
    wait_for(lambda: False, 2.5)  # the delivery is older than the orphan age now
    assert orphaned_messages_restore(celery_app=app, min_age=2, inspect_timeout=1) == [str(job.pk)]
    with celery_worker("gpu,cpu", tmp_path / "b.log") as second:
        assert wait_for(lambda: state(job) == JobState.SUCCEEDED, 60), (
            tmp_path / "b.log"
        ).read_text()
    job.refresh_from_db()
    assert job.attempts == 2 and job.worker == second.hostname
    assert Render.objects.filter(job__shot=job.shot).count() == 1
    assert len(runs.read_text().splitlines()) == 2  # the killed run and the one that finished


@pytest.mark.defaults
def test_a_message_the_broker_lost_is_sent_again_by_the_reconciler(
    world, tmp_path, transactional_db, settings
):
    studio = make_studio(world)
    job = job_of(studio)
    broker_lose("gpu")  # the broker lost it
    assert str(job.pk) not in broker_held()
    # Queued two hours ago, sent moments ago (prioritised, say): the time since its send counts.
    RenderJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(hours=2))
    settings.RENDER_RESEND_AFTER = 3600
    assert render_jobs_reconcile().resent == []  # too young to be called lost
    settings.RENDER_RESEND_AFTER = 0
    assert render_jobs_reconcile().resent == [str(job.pk)]
    assert str(job.pk) in broker_held()
    assert render_jobs_reconcile().resent == []  # the broker holds it again: not sent twice
    with celery_worker("gpu", tmp_path / "worker.log"):
        assert wait_for(lambda: state(job) == JobState.SUCCEEDED, 60)
    assert Render.objects.filter(job=job).count() == 1


def rendered_without_its_thumbnail(studio: Studio, log: Path) -> Render:
    """A job rendered by a worker that takes no cpu work: its thumbnail task waits on the broker."""
    job = job_of(studio)
    with celery_worker("gpu", log):
        assert wait_for(lambda: state(job) == JobState.SUCCEEDED, 60), log.read_text()
    render = Render.objects.get(job=job)
    assert render.thumbnail == "" and render.thumbnail_sends == 1
    assert thumbnail_task_id(render.pk) in broker_held()
    return render


@pytest.mark.defaults
def test_a_thumbnail_the_broker_lost_is_sent_again_by_the_reconciler(
    world, tmp_path, transactional_db, settings
):
    render = rendered_without_its_thumbnail(make_studio(world), tmp_path / "gpu.log")
    settings.RENDER_RESEND_AFTER = 0
    assert render_jobs_reconcile().thumbnails == []  # the broker holds it: not sent twice
    broker_lose("cpu")  # the broker lost it
    assert thumbnail_task_id(render.pk) not in broker_held()
    settings.RENDER_RESEND_AFTER = 3600
    assert render_jobs_reconcile().thumbnails == []  # too young to be called lost
    settings.RENDER_RESEND_AFTER = 0
    assert render_jobs_reconcile().thumbnails == [render.pk]
    assert render_jobs_reconcile().thumbnails == []  # held again
    with celery_worker("cpu", tmp_path / "cpu.log"):
        assert wait_for(lambda: Render.objects.get(pk=render.pk).thumbnail, 30)
    render.refresh_from_db()
    assert render.thumbnail_sends == 2 and render.thumbnail.name.endswith(".jpg")
    assert render_jobs_reconcile().thumbnails == []  # nothing missing any more


def test_a_thumbnail_that_cannot_be_made_is_not_sent_for_ever(
    world, tmp_path, transactional_db, settings
):
    redis_only()  # a failed task's message is acknowledged at once on Redis
    render = rendered_without_its_thumbnail(make_studio(world), tmp_path / "gpu.log")
    broker_lose("cpu")
    Path(render.image.path).write_bytes(b"not an image any more")
    settings.RENDER_RESEND_AFTER = 0
    with celery_worker("cpu", tmp_path / "cpu.log"):
        for sends in (2, 3):  # RENDER_MAX_ATTEMPTS
            assert render_jobs_reconcile().thumbnails == [render.pk]
            assert Render.objects.get(pk=render.pk).thumbnail_sends == sends
            # The worker tries, fails and acknowledges: the broker holds it no more.
            assert wait_for(lambda: thumbnail_task_id(render.pk) not in broker_held(), 30)
        assert render_jobs_reconcile().thumbnails == []  # given up: no loop
    assert "UnidentifiedImageError" in (tmp_path / "cpu.log").read_text()
    assert Render.objects.get(pk=render.pk).thumbnail == ""


def test_a_job_that_cannot_start_is_failed_not_sent_for_ever(
    world, tmp_path, transactional_db, settings
):
    """Taking the job raises in the worker (the database refuses it as running): each try counts
    an attempt and leaves the reason; the reconciler sends it again until it has none left."""
    redis_only()  # a failed task's message is acknowledged at once on Redis
    full = "could not extend file: No space left on device"
    log = tmp_path / "gpu.log"
    settings.RENDER_RESEND_AFTER = 0
    with (
        database_refuses("campaigns_renderjob", "NEW.state = 'running'", full),
        celery_worker("gpu", log),
    ):
        job = job_of(make_studio(world))
        for attempts in (1, 2):  # of RENDER_MAX_ATTEMPTS = 3
            tried = RenderJob.objects.filter(pk=job.pk, attempts=attempts).exists
            assert wait_for(tried, 30), log.read_text()
            assert wait_for(lambda: str(job.pk) not in broker_held(), 30)  # tried, acknowledged
            job.refresh_from_db()
            assert job.state == JobState.QUEUED and job.started_at is None
            assert job.error.startswith(f"Could not start: OperationalError: {full}")
            assert render_jobs_reconcile().resent == [str(job.pk)]
        assert wait_for(lambda: state(job) == JobState.FAILED, 30), log.read_text()
        assert render_jobs_reconcile().resent == []  # failed: never sent again
    job.refresh_from_db()
    assert job.attempts == 3 and Render.objects.filter(job=job).count() == 0
    assert job.error.startswith(
        "Gave up after 3 attempts: Could not start: OperationalError: could"
    )
    failed = AuditEvent.objects.get(verb="render.failed", object_id=str(job.pk))
    assert failed.payload == {"error": job.error, "attempts": 3}
    assert "could not start" in log.read_text()


def broadcasts(action) -> list[str]:
    """The remote-control methods broadcast to the workers while ``action`` runs (on Redis the
    pidbox is a fanout exchange: a PUBLISH, which a pattern subscription sees). Channels are
    server-wide: kombu names them after the database ("/9.reply.celery.pidbox"), so another
    studio's workers on the same Redis are not heard."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    pubsub = client.pubsub()
    pubsub.psubscribe(f"/{client.connection_pool.connection_kwargs.get('db', 0)}.*pidbox*")
    assert pubsub.get_message(timeout=5)["type"] == "psubscribe"
    action()
    methods = []
    while (message := pubsub.get_message(timeout=0.5)) is not None:
        body = json.loads(base64.b64decode(json.loads(message["data"])["body"]))
        methods.append(body["method"])
    pubsub.close()
    return methods


def test_the_sweeps_ask_the_workers_only_when_something_is_suspect(
    world, transactional_db, settings
):
    """Asking the workers waits out the reply timeout (a second or two, every 30 s on beat)."""
    redis_only()
    job = job_of(make_studio(world), variants=3)
    rendering, ended = RenderJob.objects.exclude(pk=job.pk).order_by("pk")
    RenderJob.objects.filter(pk=rendering.pk).update(  # a job whose worker reports in
        state=JobState.RUNNING, worker="busy@host", heartbeat_at=timezone.now()
    )
    RenderJob.objects.filter(pk=ended.pk).update(  # one that failed long ago: nothing to mend
        state=JobState.FAILED,
        worker="gone@host",
        heartbeat_at="2026-01-01T00:00Z",
        finished_at="2026-01-01T00:01Z",
    )
    settings.RENDER_RESEND_AFTER = 3600  # the queued job is not suspect yet
    assert broadcasts(render_jobs_reconcile) == []
    orphans = partial(orphaned_messages_restore, celery_app=app, min_age=2, inspect_timeout=1)
    assert broadcasts(orphans) == []  # nothing unacknowledged at all
    settings.RENDER_RESEND_AFTER = 0  # now it is: the reconciler asks who holds what
    assert broadcasts(render_jobs_reconcile) == ["held_task_ids"]
    assert str(job.pk) in broker_held()


def test_a_sweep_mends_only_what_is_lost_or_stuck(world, db, settings):
    """A thumbnail send is counted only for the thumbnail sent again (one the broker holds is
    not; its count is what stops a thumbnail that cannot be made); only the job asked to stop
    past the grace time is terminated, not the others running."""
    redis_only()
    studio = make_studio(world)
    batch = matrix_queue(
        actor=studio.director, campaign=studio.campaign, spec=studio.spec(variants=4)
    )
    # Never sent: the test's transaction never commits.
    lost, held, stuck, busy = RenderJob.objects.filter(batch=batch.batch).order_by("pk")
    renders = [
        Render.objects.get(job=render_job_run(job_id=str(job.pk), worker="w"))
        for job in (lost, held)
    ]  # rendered; their thumbnails not sent (the test's transaction never commits)
    thumbnail_queue(renders[1].pk)  # the broker holds this one's
    now = timezone.now()
    running = {"state": JobState.RUNNING, "worker": "w", "heartbeat_at": now}
    asked = now - timedelta(seconds=61)
    RenderJob.objects.filter(pk=stuck.pk).update(
        cancel_requested_at=asked, started_at=now - timedelta(seconds=90), **running
    )
    RenderJob.objects.filter(pk=busy.pk).update(**running)
    settings.RENDER_RESEND_AFTER, settings.RENDER_CANCEL_GRACE = 0, 60

    done = render_jobs_reconcile()

    assert done.thumbnails == [renders[0].pk] and done.resent == [] and done.failed == []
    sends = dict(Render.objects.values_list("pk", "thumbnail_sends"))
    assert sends == {renders[0].pk: 2, renders[1].pk: 1}
    assert done.terminated == [str(stuck.pk)]
    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert stuck.state == JobState.CANCELLED and stuck.finished_at and stuck.finished_at >= now
    # It held its GPU from its start until it was terminated: the campaign's budget pays for it.
    assert stuck.gpu_seconds is not None and 90 <= stuck.gpu_seconds < 150
    assert (busy.state, busy.finished_at) == (JobState.RUNNING, None)
    broker_empty("gpu", "cpu")


def test_a_dead_workers_job_is_failed_once_it_has_used_its_attempts(
    world, backends, tmp_path, transactional_db, settings
):
    """Where no broker gives the message back, the reconciler does, until the job is poison."""
    studio = make_studio(world, backend="slow")
    job = job_of(studio)
    broker_lose("gpu")
    RenderJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING,
        attempts=3,
        worker="gone@host",
        started_at="2026-01-01T00:00Z",
        heartbeat_at="2026-01-01T00:02:05Z",
    )
    done = render_jobs_reconcile()
    assert done.failed == [str(job.pk)] and done.resent == []
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "Gave up after 3 attempts" in job.error
    assert job.gpu_seconds == 125  # from its start to the last sign of its worker


def test_a_dead_workers_job_with_attempts_left_is_sent_again_once(
    world, backends, transactional_db
):
    """The worker died holding the job and its message is gone: the reconciler queues it again
    and sends it; while the broker holds a message for it, nothing more is sent."""
    studio = make_studio(world, backend="slow")
    job = job_of(studio)
    broker_lose("gpu")
    stale = {"state": JobState.RUNNING, "worker": "gone@host", "heartbeat_at": "2026-01-01T00:00Z"}
    RenderJob.objects.filter(pk=job.pk).update(attempts=1, **stale)
    done = render_jobs_reconcile()
    assert done.resent == [str(job.pk)] and done.failed == []
    job.refresh_from_db()
    assert (job.state, job.worker, job.attempts) == (JobState.QUEUED, "", 1)
    assert str(job.pk) in broker_held()
    # Marked running again by a worker that then went silent, its message still held (as
    # Redis holds one a killed worker took): the broker delivers it, the reconciler leaves it.
    RenderJob.objects.filter(pk=job.pk).update(**stale)
    assert render_jobs_reconcile().resent == []
    assert state(job) == JobState.RUNNING
    broker_empty("gpu")


def test_a_dead_workers_job_asked_to_stop_is_cancelled_not_sent_again(
    world, backends, transactional_db
):
    """Its worker died after the talent revoked: there is nothing left to stop, so the job ends
    cancelled with the talent's reason, rather than waiting on the queue for a GPU worker."""
    studio = make_studio(world, backend="slow")
    job = job_of(studio)
    broker_lose("gpu")
    why = "The talent revoked the license. Ended our deal"
    RenderJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING,
        worker="gone@host",
        started_at="2026-01-01T00:00Z",
        heartbeat_at="2026-01-01T00:00:40Z",
        attempts=1,
        cancel_requested_at=timezone.now(),
        error=why,
    )
    done = render_jobs_reconcile()
    assert done.cancelled == [str(job.pk)] and done.resent == [] and done.terminated == []
    job.refresh_from_db()
    assert (job.state, job.error) == (JobState.CANCELLED, why) and job.finished_at is not None
    assert job.gpu_seconds == 40
    assert str(job.pk) not in broker_held()
    assert render_jobs_reconcile().cancelled == []


@pytest.mark.parametrize("meanwhile", ["reports in", "finishes"])
def test_a_job_whose_worker_comes_back_during_the_sweep_is_left_to_it(
    world, backends, transactional_db, meanwhile
):
    """The sweep reads the silent jobs, then asks the broker and the workers (a second or so),
    then takes each job's lock: a job whose worker reported in, or finished it, meanwhile is
    its worker's, not sent again nor failed. Held here: its worker holds the job's row."""
    if connection.vendor != "postgresql":
        pytest.skip("waiting on a row lock needs PostgreSQL")
    job = job_of(make_studio(world, backend="slow"))
    broker_lose("gpu")
    silent = {"state": JobState.RUNNING, "worker": "w1@host", "attempts": 3}
    RenderJob.objects.filter(pk=job.pk).update(heartbeat_at="2026-01-01T00:00Z", **silent)
    swept: list = []
    with transaction.atomic():
        RenderJob.objects.select_for_update().get(pk=job.pk)
        threads, outcomes = started(lambda: swept.append(render_jobs_reconcile()))
        waiting(1, *threads)  # the sweep found it silent and waits for its row
        if meanwhile == "reports in":
            RenderJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
        else:
            RenderJob.objects.filter(pk=job.pk).update(state=JobState.SUCCEEDED)
    threads[0].join()
    assert outcomes == ["done"]
    assert (swept[0].resent, swept[0].failed, swept[0].cancelled) == ([], [], [])
    job.refresh_from_db()
    assert (job.worker, job.attempts, job.error) == ("w1@host", 3, "")
    assert job.state == (JobState.RUNNING if meanwhile == "reports in" else JobState.SUCCEEDED)
    assert str(job.pk) not in broker_held()


def test_a_job_that_finishes_as_the_sweep_terminates_it_keeps_its_outcome(
    world, backends, transactional_db, settings
):
    """Past its grace time a job asked to stop is terminated and marked cancelled, but only
    while it is still running: one its worker finishes meanwhile keeps its render. Held here:
    the worker holds the job's row as it finishes."""
    if connection.vendor != "postgresql":
        pytest.skip("waiting on a row lock needs PostgreSQL")
    job = job_of(make_studio(world, backend="slow"))
    now = timezone.now()
    RenderJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING,
        worker="w1@host",
        started_at=now,
        heartbeat_at=now,
        cancel_requested_at=now - timedelta(hours=1),
    )
    settings.RENDER_CANCEL_GRACE = 60
    with transaction.atomic():
        RenderJob.objects.select_for_update().get(pk=job.pk)
        threads, outcomes = started(render_jobs_reconcile)
        waiting(1, *threads)  # the sweep would mark it cancelled and waits for its row
        RenderJob.objects.filter(pk=job.pk).update(
            state=JobState.SUCCEEDED, finished_at=timezone.now(), gpu_seconds=2.5
        )
    threads[0].join()
    assert outcomes == ["done"]
    job.refresh_from_db()
    assert (job.state, job.gpu_seconds) == (JobState.SUCCEEDED, 2.5)


def test_on_a_broker_the_studio_cannot_ask_nothing_is_called_lost(
    world, backends, transactional_db, monkeypatch
):
    """Only Redis and the filesystem broker are read for the messages they hold; on another
    (RabbitMQ, say) no job is called lost, as none can be shown to be."""
    job = job_of(make_studio(world, backend="slow"), variants=2)
    broker_lose("gpu")  # lost, where the broker could say so
    silent = RenderJob.objects.exclude(pk=job.pk).get()
    RenderJob.objects.filter(pk=silent.pk).update(
        state=JobState.RUNNING, worker="gone@host", attempts=3, heartbeat_at="2026-01-01T00:00Z"
    )
    RenderJob.objects.filter(pk=job.pk).update(sent_at=timezone.now() - timedelta(days=1))
    # The environment's broker address wins over the settings' (Celery reads it first).
    monkeypatch.setenv("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    assert app.conf.broker_url.startswith("amqp://")
    done = render_jobs_reconcile()
    assert (done.resent, done.failed, done.cancelled) == ([], [], [])
    assert (state(job), state(silent)) == (JobState.QUEUED, JobState.RUNNING)


@pytest.mark.defaults
def test_cancel_a_queued_and_a_running_job(
    world, backends, tmp_path, transactional_db, monkeypatch
):
    worker_env(monkeypatch)
    studio = make_studio(world, backend="slow")
    first = job_of(studio, variants=2)
    second = RenderJob.objects.exclude(pk=first.pk).get()
    with celery_worker("gpu", tmp_path / "worker.log"):
        running = wait_for(
            lambda: RenderJob.objects.filter(state=JobState.RUNNING, progress_step__gte=1).first(),
            30,
        )
        assert running, (tmp_path / "worker.log").read_text()
        queued = second if running.pk == first.pk else first
        assert render_job_cancel(actor=studio.director, job=queued).state == JobState.CANCELLED
        asked = render_job_cancel(actor=studio.director, job=running)
        assert asked.state == JobState.RUNNING and asked.cancel_requested_at is not None
        assert wait_for(lambda: state(running) == JobState.CANCELLED, 10)
        running.refresh_from_db()
        assert running.progress_step < 40
        # The cancelled queued job's message still arrives, and does nothing.
        assert wait_for(lambda: str(queued.pk) not in broker_held(), 15)
    assert state(queued) == JobState.CANCELLED and queued.attempts == 0
    assert not Render.objects.exists()


@pytest.mark.defaults
def test_a_running_job_that_does_not_stop_when_asked_is_terminated(
    world, backends, tmp_path, transactional_db, monkeypatch, settings
):
    """Cancel is cooperative; a backend that never gets back to its step callback is given the
    grace time, then the reconciler terminates its process. The job ends cancelled, nothing is
    stored, and the worker goes on with a fresh process."""
    runs = tmp_path / "runs.log"
    worker_env(monkeypatch, RENDER_RUN_LOG=str(runs))
    studio = make_studio(world, backend="stuck")
    job = job_of(studio)
    log = tmp_path / "worker.log"
    with celery_worker("gpu", log):
        stepped = RenderJob.objects.filter(pk=job.pk, state=JobState.RUNNING, progress_step=1)
        assert wait_for(stepped.exists, 30), log.read_text()
        render_job_cancel(actor=studio.director, job=job)
        settings.RENDER_CANCEL_GRACE = 3600
        assert render_jobs_reconcile().terminated == []  # it has time to stop by itself
        assert state(job) == JobState.RUNNING
        settings.RENDER_CANCEL_GRACE = 0
        assert render_jobs_reconcile().terminated == [str(job.pk)]
        job.refresh_from_db()
        assert job.state == JobState.CANCELLED and job.finished_at is not None
        assert job.gpu_seconds is not None and job.gpu_seconds > 0
        pid = int(runs.read_text().split()[1])
        assert wait_for(lambda: not Path(f"/proc/{pid}").exists(), 15), log.read_text()
        # The worker itself lives on, with a new process for the next job.
        studio.campaign.backend = "preview"
        studio.campaign.save(update_fields=["backend"])
        after = job_of(studio, formats=("1:1",))
        assert wait_for(lambda: state(after) == JobState.SUCCEEDED, 60), log.read_text()
    assert state(job) == JobState.CANCELLED
    assert not Render.objects.filter(job=job).exists()
    assert render_jobs_reconcile().terminated == []  # terminated once


@pytest.mark.defaults
def test_a_license_that_lapsed_before_the_job_started_fails_it_with_the_reason(
    world, tmp_path, transactional_db
):
    studio = make_studio(world)
    job = job_of(studio)
    StandingTerms.objects.create(talent=studio.world.talent_a, excluded_categories=["top"])
    with celery_worker("gpu", tmp_path / "worker.log"):
        assert wait_for(lambda: state(job) == JobState.FAILED, 60)
    job.refresh_from_db()
    assert job.error == "License check at start: The talent never wears top."
    assert not Render.objects.exists() and not list(Path(settings.MEDIA_ROOT).rglob("renders/*"))


def test_a_rush_job_overtakes_background_jobs_on_redis(world, tmp_path, transactional_db):
    redis_only()
    studio = make_studio(world)
    slow = matrix_queue(
        actor=studio.director,
        campaign=studio.campaign,
        spec=studio.spec(formats=("1:1", "16:9"), variants=2, priority=Priority.BACKGROUND),
    )
    rush = job_of(studio, formats=("4:5",), priority=Priority.RUSH)
    depths = queue_depths(celery_app=app, queues=("gpu",))["gpu"]
    assert depths[0] == 1 and depths[6] == 4  # the rush list is read first
    waiting = {queue: (n, by) for queue, n, by in render_farm(actor=studio.director).waiting()}
    assert waiting["gpu"] == (5, [("Rush", 1), ("Normal", 0), ("Background", 4)])
    with celery_worker("gpu", tmp_path / "worker.log"):
        assert wait_for(
            lambda: not RenderJob.objects.exclude(state=JobState.SUCCEEDED).exists(), 60
        )
    first = RenderJob.objects.order_by("started_at").first()
    assert first == rush and RenderJob.objects.filter(batch=slow.batch).count() == 4
