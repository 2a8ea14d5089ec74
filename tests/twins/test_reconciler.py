"""The twins' reconciler on real workers: a capture check or a training whose message the broker
lost is sent again, once; a training whose worker was killed is trained again by another; one
whose workers keep dying, or that cannot start, is failed, not started again; a capture photo
that cannot be read, or whose checks cannot run, fails its checks with the reason instead of
waiting."""

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from studio.broker import orphaned_messages_restore
from studio.celery import app
from studio.models import AuditEvent
from tests.factories import CapturePhotoFactory
from tests.worker import (
    broker_empty,
    broker_held,
    broker_lose,
    celery_worker,
    database_refuses,
    wait_for,
)
from twins.demo import draw_capture_photo, look_for
from twins.enums import CheckStatus, TrainingStatus
from twins.models import CapturePhoto, TwinVersion
from twins.services import capture_photo_add, twin_version_run, twin_version_train
from twins.services.capture import capture_check_task_id, capture_photo_check
from twins.services.reconciler import TwinsReconciled, twins_reconcile
from twins.services.training import training_task_id, twin_version_recover

pytestmark = pytest.mark.timeout(240)
SLOW = "tests.training_backends.SlowBackend"


@pytest.fixture(autouse=True)
def _empty_queues() -> None:
    broker_empty("gpu", "cpu")


@pytest.mark.worker
@pytest.mark.defaults
def test_a_capture_check_the_broker_lost_is_sent_again(world, tmp_path, transactional_db, settings):
    photo = capture_photo_add(
        actor=world.talent_a.user,
        twin=world.twin_a,
        upload=io.BytesIO(draw_capture_photo(look_for(0), "front", "full_body", "studio", 0)),
        angle="front",
        framing="full_body",
        lighting="studio",
    )
    assert capture_check_task_id(photo.pk) in broker_held()
    settings.TWIN_RESEND_AFTER = 0
    assert twins_reconcile().checks == []  # the broker holds it: not sent twice
    broker_lose("cpu")
    settings.TWIN_RESEND_AFTER = 3600
    assert twins_reconcile().checks == []  # too young to be called lost
    settings.TWIN_RESEND_AFTER = 0
    assert twins_reconcile().checks == [photo.pk]
    assert twins_reconcile().checks == []  # held again
    with celery_worker("cpu", tmp_path / "cpu.log"):
        assert wait_for(
            lambda: CapturePhoto.objects.get(pk=photo.pk).check_status == CheckStatus.PASSED, 60
        ), (tmp_path / "cpu.log").read_text()
    assert twins_reconcile() == TwinsReconciled([], [], [])  # nothing waits any more


@pytest.mark.worker
@pytest.mark.defaults
def test_a_training_the_broker_lost_is_sent_again(
    world, ready_twin, tmp_path, transactional_db, settings, caplog
):
    version = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    assert training_task_id(version.pk) in broker_held()
    broker_lose("gpu")
    settings.TWIN_RESEND_AFTER = 0
    assert twins_reconcile().trainings == [version.pk]
    # Operators read what was lost in the beat's log.
    assert f"trainings resent [{version.pk}]" in caplog.text
    assert twins_reconcile().trainings == []  # held again
    with celery_worker("gpu", tmp_path / "gpu.log"):
        assert wait_for(
            lambda: TwinVersion.objects.get(pk=version.pk).status == TrainingStatus.SUCCEEDED, 60
        ), (tmp_path / "gpu.log").read_text()
    assert TwinVersion.objects.get(pk=version.pk).attempts == 1


def test_on_a_broker_the_studio_cannot_ask_no_training_is_called_lost(
    world, ready_twin, transactional_db, settings, monkeypatch
):
    """Only Redis and the filesystem broker are read for the messages they hold; on another
    (RabbitMQ, say) no training is sent again, failed or cancelled, as none can be shown lost."""
    queued = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    broker_lose("gpu")  # lost, where the broker could say so
    settings.TWIN_RESEND_AFTER = 0
    monkeypatch.setenv("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    assert twins_reconcile() == TwinsReconciled([], [], [])
    TwinVersion.objects.filter(pk=queued.pk).update(
        status=TrainingStatus.RUNNING,
        attempts=3,
        worker="gone@host",
        started_at="2026-01-01T00:00Z",
        heartbeat_at="2026-01-01T00:01Z",
    )
    assert twins_reconcile() == TwinsReconciled([], [], [])
    assert TwinVersion.objects.get(pk=queued.pk).status == TrainingStatus.RUNNING


def test_a_training_whose_workers_keep_dying_is_failed_not_started_again(world, ready_twin):
    version = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    # Three deliveries started it and their workers died (the orphan sweep requeued each).
    TwinVersion.objects.filter(pk=version.pk).update(
        status=TrainingStatus.RUNNING, attempts=3, worker="gone@host"
    )
    done = twin_version_run(version_id=version.pk, worker="w")
    assert done is not None and done.status == TrainingStatus.FAILED
    assert done.error == "Gave up after 3 attempts: the worker stopped each time."
    assert (done.attempts, done.worker, done.progress_step) == (3, "gone@host", 0)
    failed = AuditEvent.objects.get(verb="twin_version.failed", object_id=str(version.pk))
    assert failed.payload["error"] == done.error


FULL = "could not extend file: No space left on device"


@pytest.mark.worker
def test_a_training_that_cannot_start_is_failed_not_sent_for_ever(
    world, ready_twin, login, tmp_path, transactional_db, settings
):
    """Taking the version raises in the worker (the database refuses it as training): each try
    counts an attempt and leaves the reason; the reconciler sends it again until none is left."""
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("a failed task's message is acknowledged at once on Redis")
    log = tmp_path / "gpu.log"
    settings.TWIN_RESEND_AFTER = 0
    with (
        database_refuses("twins_twinversion", "NEW.status = 'running'", FULL),
        celery_worker("gpu", log),
    ):
        version = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
        for attempts in (1, 2):  # of TWIN_TRAINING_MAX_ATTEMPTS = 3
            tried = TwinVersion.objects.filter(pk=version.pk, attempts=attempts).exists
            assert wait_for(tried, 30), log.read_text()
            assert wait_for(lambda: training_task_id(version.pk) not in broker_held(), 30)
            version.refresh_from_db()
            assert version.status == TrainingStatus.QUEUED and version.started_at is None
            assert version.error.startswith(f"Could not start: OperationalError: {FULL}")
            panel = login(world.talent_a.user).get(reverse("twin-versions", args=[ready_twin.pk]))
            assert (
                f"Try {attempts} failed; it is tried again. Could not start:"
                in panel.content.decode()
            )
            assert twins_reconcile().trainings == [version.pk]
        assert wait_for(
            lambda: TwinVersion.objects.get(pk=version.pk).status == TrainingStatus.FAILED, 30
        ), log.read_text()
        assert twins_reconcile() == TwinsReconciled([], [], [])  # failed: never sent again
    version.refresh_from_db()
    assert version.attempts == 3
    assert version.error.startswith("Gave up after 3 attempts: Could not start: Operational")
    failed = AuditEvent.objects.get(verb="twin_version.failed", object_id=str(version.pk))
    assert failed.payload["error"] == version.error


def test_a_start_that_fails_on_a_version_running_elsewhere_counts_no_attempt(world, ready_twin):
    """A duplicate message reaches a second worker while the first is presumed dead, and taking
    the version over fails: the attempt is not counted against the version the database still
    says is running, nor its error written over it; the reconciler deals with it as silent."""
    from django.db import OperationalError

    version = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    long_ago = timezone.now() - timedelta(hours=1)
    TwinVersion.objects.filter(pk=version.pk).update(
        status=TrainingStatus.RUNNING, worker="w1@host", attempts=1, heartbeat_at=long_ago
    )
    with (
        database_refuses("twins_twinversion", "NEW.worker = 'w2@host'", FULL),
        pytest.raises(OperationalError, match=FULL),
    ):
        twin_version_run(version_id=version.pk, worker="w2@host")
    version.refresh_from_db()
    assert (version.status, version.worker) == (TrainingStatus.RUNNING, "w1@host")
    assert (version.attempts, version.error) == (1, "")


def test_a_capture_photo_whose_checks_cannot_run_fails_them_with_the_reason(world):
    """Before, the task raised, the photo stayed "Being checked" and the reconciler sent its
    checks again every minute, for ever."""
    photo = CapturePhotoFactory(twin=world.twin_a)
    with database_refuses("twins_capturephoto", "NEW.phash <> ''", FULL):
        checked = capture_photo_check(photo_id=photo.pk)
    assert checked is not None and checked.check_status == CheckStatus.FAILED
    assert [(c["name"], c["passed"], c["message"]) for c in checked.checks] == [
        ("checks", False, "The checks could not run (OperationalError): add the photo again.")
    ]
    photo.refresh_from_db()
    assert photo.check_status == CheckStatus.FAILED and photo.phash == ""


def test_a_capture_photo_that_cannot_be_read_fails_its_checks_with_the_reason(world):
    photo = CapturePhotoFactory(twin=world.twin_a)
    assert photo.check_status == CheckStatus.PENDING
    Path(photo.image.path).write_bytes(b"damaged in storage")
    checked = capture_photo_check(photo_id=photo.pk)
    assert checked is not None and checked.check_status == CheckStatus.FAILED
    assert checked.checks == [
        {
            "name": "readable",
            "passed": False,
            "value": "",
            "threshold": "",
            "message": "The stored image cannot be read: add the photo again.",
        }
    ]
    gone = CapturePhotoFactory(twin=world.twin_a, sha256="f" * 64)
    Path(gone.image.path).unlink()
    assert capture_photo_check(photo_id=gone.pk).check_status == CheckStatus.FAILED


@pytest.mark.worker
@pytest.mark.defaults
def test_a_training_whose_worker_was_killed_is_trained_again_by_another(
    world, ready_twin, tmp_path, transactional_db, settings, monkeypatch
):
    """Before, it stayed "Training" for ever where no broker gave its message back (the
    embedded one), and no other version of the twin could be trained."""
    monkeypatch.setenv("TWIN_TRAINING_BACKENDS", json.dumps({"slow": SLOW}))
    monkeypatch.setenv("TWIN_TRAINING_LEASE_SECONDS", "2")
    settings.TWIN_TRAINING_BACKENDS = {**settings.TWIN_TRAINING_BACKENDS, "slow": SLOW}
    settings.TWIN_TRAINING_LEASE_SECONDS = 2
    version = twin_version_train(actor=world.talent_a.user, twin=ready_twin, backend="slow")
    with celery_worker("gpu", tmp_path / "a.log") as first:
        assert wait_for(lambda: TwinVersion.objects.get(pk=version.pk).progress_step >= 2, 30), (
            tmp_path / "a.log"
        ).read_text()
        first.kill()
    wait_for(lambda: False, 2.5)  # its lease, and the orphan age, are over now
    redis = settings.CELERY_BROKER_URL.startswith("redis")
    restored = orphaned_messages_restore(celery_app=app, min_age=2, inspect_timeout=1)
    assert restored == ([training_task_id(version.pk)] if redis else [])
    done = twins_reconcile()
    # Redis gives the message back itself; elsewhere the reconciler sends it again.
    assert done.trainings == ([] if redis else [version.pk]) and done.failed == []
    with celery_worker("gpu", tmp_path / "b.log") as second:
        assert wait_for(
            lambda: TwinVersion.objects.get(pk=version.pk).status == TrainingStatus.SUCCEEDED, 60
        ), (tmp_path / "b.log").read_text()
    version.refresh_from_db()
    assert (version.attempts, version.worker, version.progress_step) == (2, second.hostname, 40)


def test_a_second_delivery_leaves_a_training_to_the_worker_that_reports(world, ready_twin):
    version = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    TwinVersion.objects.filter(pk=version.pk).update(
        status=TrainingStatus.RUNNING, attempts=1, worker="busy@host", heartbeat_at=timezone.now()
    )
    again = twin_version_run(version_id=version.pk, worker="other@host")
    assert again is not None and again.status == TrainingStatus.RUNNING
    assert (again.attempts, again.worker) == (1, "busy@host")  # not started twice
    assert twin_version_recover(version_id=version.pk) == ""  # not silent


@pytest.mark.parametrize(
    ("attempts", "cancel", "outcome"),
    [(1, False, TrainingStatus.QUEUED), (3, False, TrainingStatus.FAILED), (1, True, "cancelled")],
)
def test_a_silent_training_is_queued_again_failed_or_cancelled(
    world, ready_twin, settings, django_capture_on_commit_callbacks, attempts, cancel, outcome
):
    version = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    silent_since = timezone.now() - timedelta(seconds=settings.TWIN_TRAINING_LEASE_SECONDS + 1)
    TwinVersion.objects.filter(pk=version.pk).update(
        status=TrainingStatus.RUNNING,
        attempts=attempts,
        cancel_requested=cancel,
        worker="gone@host",
        heartbeat_at=silent_since,
    )
    with django_capture_on_commit_callbacks(execute=True):
        done = twins_reconcile()
    assert done.failed == ([version.pk] if outcome == TrainingStatus.FAILED else [])
    assert done.trainings == ([version.pk] if outcome == TrainingStatus.QUEUED else [])
    version.refresh_from_db()
    assert version.status == outcome
    assert version.error == (
        "Gave up after 3 attempts: the worker stopped each time."
        if outcome == TrainingStatus.FAILED
        else ""
    )
    # Sent again only where it was queued again.
    assert (training_task_id(version.pk) in broker_held()) is (outcome == TrainingStatus.QUEUED)
