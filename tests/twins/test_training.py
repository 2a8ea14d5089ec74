"""Twin versions: training on the gpu queue through a backend, progress, cancel, retire."""

import hashlib
import json

import pytest
from django.urls import reverse

from studio.errors import Conflict, NotFound
from studio.models import AuditEvent
from tests.worker import celery_worker, wait_for
from twins.enums import Angle, TrainingStatus
from twins.models import TwinVersion
from twins.services import (
    twin_consent_revoke,
    twin_version_cancel,
    twin_version_retire,
    twin_version_run,
    twin_version_train,
)

EXTRA_BACKENDS = {
    "slow": "tests.training_backends.SlowBackend",
    "failing": "tests.training_backends.FailingBackend",
    "overtaken": "tests.training_backends.OvertakenBackend",
    "withdrawn": "tests.training_backends.WithdrawnAtTheEndBackend",
}


@pytest.fixture
def backends(settings):
    settings.TWIN_TRAINING_BACKENDS = {**settings.TWIN_TRAINING_BACKENDS, **EXTRA_BACKENDS}


@pytest.mark.worker
@pytest.mark.timeout(120)
def test_a_reference_version_trains_on_a_gpu_worker(
    world, login, ready_twin, tmp_path, transactional_db
):
    client = login(world.talent_a.user)
    with celery_worker("gpu", tmp_path / "gpu.log") as worker:
        response = client.post(
            reverse("api-twin-versions", args=[ready_twin.pk]), {}, content_type="application/json"
        )
        assert response.status_code == 201, response.content
        version_id = response.json()["id"]
        assert wait_for(
            lambda: TwinVersion.objects.get(pk=version_id).status == TrainingStatus.SUCCEEDED, 60
        ), (tmp_path / "gpu.log").read_text()
    version = TwinVersion.objects.get(pk=version_id)
    assert (version.number, version.backend, version.worker) == (1, "reference", worker.hostname)
    assert (version.progress_step, version.progress_total, version.attempts) == (6, 6, 1)
    poses = version.annotations["poses"]
    assert set(poses) == set(Angle.values)
    used = set(version.photos.values_list("pk", flat=True))
    assert {pose["photo"] for pose in poses.values()} <= used
    front = poses["front"]
    assert front["lighting"] == "studio"  # studio light is preferred over daylight
    _x, y, w, h = front["figure"]
    assert 0 < w < 1024 and 500 < h <= 1280
    assert front["regions"]["head"][1] == y and front["regions"]["feet"][1] > y + h * 0.9
    assert version.annotations["face_shot"]["face"] is not None
    assert version.renderable and version.seconds is not None
    verbs = list(
        AuditEvent.objects.filter(object_id=str(version.pk))
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == ["twin_version.queued", "twin_version.succeeded"]


@pytest.mark.worker
@pytest.mark.timeout(120)
@pytest.mark.parametrize("stop", ["agency cancels", "talent withdraws consent"])
def test_a_running_version_stops_when_cancelled_or_consent_is_withdrawn(
    world, ready_twin, tmp_path, transactional_db, backends, monkeypatch, stop
):
    monkeypatch.setenv("TWIN_TRAINING_BACKENDS", json.dumps(EXTRA_BACKENDS))
    with celery_worker("gpu", tmp_path / "gpu.log"):
        version = twin_version_train(actor=world.talent_a.user, twin=ready_twin, backend="slow")
        assert wait_for(lambda: TwinVersion.objects.get(pk=version.pk).progress_step >= 2, 30), (
            tmp_path / "gpu.log"
        ).read_text()
        if stop == "agency cancels":
            twin_version_cancel(actor=world.agency.members.get().user, version=version)
        else:
            twin_consent_revoke(actor=world.talent_a.user, twin=ready_twin, reason="I stop")
        assert wait_for(
            lambda: TwinVersion.objects.get(pk=version.pk).status == TrainingStatus.CANCELLED, 20
        ), (tmp_path / "gpu.log").read_text()
    version.refresh_from_db()
    assert 2 <= version.progress_step < 40
    assert version.weights_uri == "" and not version.renderable


def test_training_needs_a_ready_capture_set_and_its_people(world, backends):
    with pytest.raises(Conflict, match="not ready"):
        twin_version_train(actor=world.talent_a.user, twin=world.twin_a)
    with pytest.raises(NotFound):
        twin_version_train(actor=world.talent_b.user, twin=world.twin_a)
    assert not TwinVersion.objects.exists()


@pytest.mark.parametrize(
    ("backend", "params", "reason"),
    [
        ("reference", {"steps": 10}, "Unknown parameter steps: this backend takes none."),
        ("lora", {"epochs": 3}, "Unknown parameter epochs: this backend takes learning_rate, "),
        ("lora", {"steps": 10**9}, "steps is a whole number from 1 to 20000."),
        ("lora", {"steps": "400"}, "steps is a whole number from 1 to 20000."),
        ("lora", {"rank": 2.5}, "rank is a whole number from 1 to 128."),
        ("lora", {"resolution": True}, "resolution is a whole number from 64 to 2048."),
        ("lora", {"learning_rate": 0.5}, "learning_rate is a number from 1e-07 to 0.01."),
        ("lora", {"seed": "\x00"}, "seed is a whole number from 0 to 4294967295."),
    ],
)
def test_training_parameters_are_checked_before_anything_is_queued(
    world, login, backend, params, reason
):
    """A GPU learns of a bad parameter hours of queue later, or trains for ever on a huge one:
    the API refuses it at once, before it looks at the capture set, and queues nothing."""
    client = login(world.talent_a.user)
    answer = client.post(
        reverse("api-twin-versions", args=[world.twin_a.pk]),
        {"backend": backend, "params": params},
        content_type="application/json",
    )
    assert answer.status_code == 400 and answer.json()["detail"].startswith(reason)
    assert not TwinVersion.objects.exists()


def test_training_parameters_in_bounds_are_kept_as_numbers(world, ready_twin):
    version = twin_version_train(
        actor=world.talent_a.user,
        twin=ready_twin,
        backend="lora",
        params={"steps": 800.0, "rank": 16, "learning_rate": 5e-5},
    )
    version.refresh_from_db()
    assert version.params == {"steps": 800, "rank": 16, "learning_rate": 5e-5}
    assert isinstance(version.params["steps"], int)


def test_a_queued_version_cancels_at_once_and_a_late_message_does_nothing(world, ready_twin):
    version = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    with pytest.raises(Conflict, match="training already"):
        twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    twin_version_cancel(actor=world.talent_a.user, version=version)
    assert twin_version_run(version_id=version.pk).status == TrainingStatus.CANCELLED
    version.refresh_from_db()
    assert version.attempts == 0 and version.started_at is None


def test_an_agreement_that_lapsed_before_the_worker_started_fails_the_training(
    world, ready_twin, media_files
):
    """Checked again when work starts: a queued training whose replica agreement ended while it
    waited fails with the reason, trains nothing, and a new one is refused for the same."""
    from datetime import timedelta

    from django.utils import timezone

    from twins.models import ReplicaAgreement

    version = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    yesterday = timezone.localdate() - timedelta(days=1)
    ReplicaAgreement.objects.filter(twin=ready_twin).update(ends_on=yesterday)
    done = twin_version_run(version_id=version.pk, worker="w@host")
    reason = "No replica agreement is in force for this twin."
    assert (done.status, done.error, done.weights_uri) == (TrainingStatus.FAILED, reason, "")
    assert not [f for f in media_files() if "weights" in f.name]
    with pytest.raises(Conflict, match=reason):
        twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    assert TwinVersion.objects.count() == 1


def test_weights_are_stored_with_their_hash_and_failures_say_why(
    world, ready_twin, backends, monkeypatch
):
    import tests.training_backends

    monkeypatch.setattr(tests.training_backends.time, "sleep", lambda _seconds: None)
    version = twin_version_train(actor=world.talent_a.user, twin=ready_twin, backend="slow")
    done = twin_version_run(version_id=version.pk, worker="inline")
    assert done.status == TrainingStatus.SUCCEEDED
    # Each step reported its progress and renewed the lease (or a long training is presumed
    # dead and trained twice).
    assert (done.progress_step, done.progress_total) == (40, 40)
    assert done.heartbeat_at and done.started_at and done.heartbeat_at > done.started_at
    assert done.weights_uri == f"twins/{ready_twin.pk}/v1/weights.bin"
    assert done.weights_sha256 == hashlib.sha256(b"slow" * 256).hexdigest()
    failing = twin_version_train(actor=world.talent_a.user, twin=ready_twin, backend="failing")
    failed = twin_version_run(version_id=failing.pk)
    assert failed.status == TrainingStatus.FAILED
    assert failed.error == "RuntimeError: out of GPU memory"


@pytest.mark.parametrize("then", ["stops", "fails", "finishes"])
def test_a_worker_overtaken_mid_training_leaves_the_version_to_its_new_worker(
    world, ready_twin, backends, then, media_files
):
    """A worker presumed dead that stops, fails or finishes afterwards writes nothing over the
    training the worker that took the version over is running."""
    from tests.training_backends import OvertakenBackend

    version = twin_version_train(actor=world.talent_a.user, twin=ready_twin, backend="overtaken")
    TwinVersion.objects.filter(pk=version.pk).update(params={"then": then})
    OvertakenBackend.told_to_stop.clear()
    done = twin_version_run(version_id=version.pk, worker="w1@host")
    assert OvertakenBackend.told_to_stop == [True]  # its report neither renews the lease ...
    assert (done.progress_step, done.progress_total) == (0, 0)  # ... nor shows its progress
    assert (done.status, done.worker, done.attempts) == (TrainingStatus.RUNNING, "other@host", 2)
    assert done.finished_at is None and done.error == "" and done.annotations == {}
    assert done.weights_uri == "" and not [f for f in media_files() if "weights" in f.name]


@pytest.mark.parametrize("then", ["stops", "fails", "finishes"])
def test_a_worker_given_up_on_mid_training_leaves_the_version_failed(
    world, ready_twin, backends, then, media_files
):
    """The reconciler failed the version (its worker silent too often) while that worker,
    alive after all, trained on: it is told to stop, and what it makes or how it fails is not
    written over the failure."""
    from tests.training_backends import OvertakenBackend

    version = twin_version_train(actor=world.talent_a.user, twin=ready_twin, backend="overtaken")
    TwinVersion.objects.filter(pk=version.pk).update(params={"then": then, "given_up": True})
    OvertakenBackend.told_to_stop.clear()
    done = twin_version_run(version_id=version.pk, worker="w1@host")
    assert OvertakenBackend.told_to_stop == [True]
    assert (done.status, done.error, done.worker) == (TrainingStatus.FAILED, "Gave up", "w1@host")
    assert done.weights_uri == "" and not [f for f in media_files() if "weights" in f.name]


def test_a_photo_gone_from_storage_fails_the_training_naming_the_photo(world, ready_twin):
    """It failed with the OS's words and the server's path to the file, on the talent's page."""
    from django.core.files.storage import default_storage

    version = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    photo = version.photos.order_by("pk").first()
    default_storage.delete(photo.image.name)
    done = twin_version_run(version_id=version.pk, worker="w")
    assert done.status == TrainingStatus.FAILED
    assert done.error == (
        f"MissingFile: Capture photo {photo.pk} ({photo.get_angle_display()},"
        f" {photo.get_framing_display()}, {photo.get_lighting_display()}) is missing from"
        " storage: upload it again."
    )


def test_consent_withdrawn_cancels_a_queued_version_and_its_message_does_nothing(world, ready_twin):
    version = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    twin_consent_revoke(actor=world.talent_a.user, twin=ready_twin, reason="Stop")
    version.refresh_from_db()
    assert version.status == TrainingStatus.CANCELLED and version.finished_at is not None
    event = AuditEvent.objects.get(verb="twin.consent_revoked")
    assert event.payload["training_stopped"] == [1]
    done = twin_version_run(version_id=version.pk, worker="late@host")
    assert (done.status, done.attempts, done.worker) == (TrainingStatus.CANCELLED, 0, "")


def test_consent_withdrawn_as_a_training_ends_keeps_nothing_it_made(
    world, ready_twin, backends, media_files
):
    """The worker's last step is past when consent is withdrawn: the version is cancelled all
    the same, and the weights it stored are deleted."""
    version = twin_version_train(actor=world.talent_a.user, twin=ready_twin, backend="withdrawn")
    done = twin_version_run(version_id=version.pk, worker="w@host")
    assert done.status == TrainingStatus.CANCELLED and not done.renderable
    assert done.weights_uri == "" and done.weights_sha256 == "" and done.annotations == {}
    assert not [f for f in media_files() if "weights" in f.name]
    verbs = AuditEvent.objects.filter(object_id=str(version.pk)).values_list("verb", flat=True)
    assert "twin_version.succeeded" not in verbs and "twin_version.cancelled" in verbs


def test_a_retired_version_is_never_rendered_again(world, ready_twin, login):
    version = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    twin_version_run(version_id=version.pk)
    version.refresh_from_db()
    assert version.renderable
    stranger = login(world.talent_b.user)
    assert (
        stranger.post(reverse("api-twin-version-action", args=[version.pk, "retire"])).status_code
        == 404
    )
    owner = login(world.talent_a.user)
    response = owner.post(reverse("api-twin-version-action", args=[version.pk, "retire"]))
    assert response.status_code == 200 and response.json()["renderable"] is False
    with pytest.raises(Conflict):
        twin_version_retire(actor=world.talent_a.user, version=version)
    page = owner.get(reverse("twin-detail", args=[ready_twin.pk])).content.decode()
    assert "Retired" in page


def test_an_unknown_training_backend_is_refused_and_queues_nothing(world, login, ready_twin):
    client = login(world.talent_a.user)
    answer = client.post(
        reverse("api-twin-versions", args=[ready_twin.pk]),
        {"backend": "dreambooth"},
        content_type="application/json",
    )
    assert answer.status_code == 400, answer.content
    assert answer.json()["detail"] == "Unknown training backend 'dreambooth'."
    assert not TwinVersion.objects.exists()


def test_a_version_is_numbered_keyed_and_trained_on_the_photos_that_passed(
    world, ready_twin, settings
):
    """Its trigger token (the word that calls the twin up in a prompt) is its own, it says who
    started it, and a photo that failed its checks is not trained on."""
    from tests.factories import CapturePhotoFactory
    from twins.enums import CheckStatus

    settings.TWIN_BASE_MODEL = "/models/sd15"
    blurred = CapturePhotoFactory(twin=ready_twin, check_status=CheckStatus.FAILED)
    passed = set(ready_twin.photos.filter(check_status=CheckStatus.PASSED).values_list("pk"))
    first = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    twin_version_cancel(actor=world.talent_a.user, version=first)
    booker = world.agency.members.get().user
    second = twin_version_train(actor=booker, twin=ready_twin, backend="lora")

    assert (first.number, first.trigger_token, first.base_model) == (1, f"tw{ready_twin.pk}v1", "")
    assert (second.number, second.trigger_token) == (2, f"tw{ready_twin.pk}v2")
    assert second.base_model == "/models/sd15"  # a LoRA fits only the base it was trained on
    assert (first.started_by, second.started_by) == (world.talent_a.user, booker)
    assert set(second.photos.values_list("pk")) == passed and (blurred.pk,) not in passed
    event = AuditEvent.objects.get(verb="twin_version.queued", object_id=str(second.pk))
    assert event.actor == booker and event.talent_user == world.talent_a.user
    assert event.payload == {"version": 2, "backend": "lora", "photos": len(passed)}


def test_a_twin_whose_consent_was_withdrawn_is_not_trained_and_is_told_so(world, ready_twin):
    twin_consent_revoke(actor=world.talent_a.user, twin=ready_twin, reason="Stop")
    with pytest.raises(Conflict) as refused:
        twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    assert refused.value.message == "Consent for this twin was withdrawn."
    assert not TwinVersion.objects.exists()


def test_a_message_for_a_version_that_is_gone_does_nothing(world):
    assert twin_version_run(version_id=2**31, worker="w@host") is None


@pytest.mark.parametrize("status", ["succeeded", "failed", "cancelled"])
def test_a_finished_version_is_neither_trained_again_nor_cancelled(world, ready_twin, status):
    """A late duplicate message leaves it as it is; a cancel says what it is already."""
    version = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    done = twin_version_run(version_id=version.pk, worker="w@host")
    assert done.status == TrainingStatus.SUCCEEDED
    TwinVersion.objects.filter(pk=version.pk).update(status=status)
    finished = TwinVersion.objects.get(pk=version.pk)

    late = twin_version_run(version_id=version.pk, worker="late@host")
    with pytest.raises(Conflict) as refused:
        twin_version_cancel(actor=world.talent_a.user, version=version)

    label = TrainingStatus(status).label.lower()
    assert refused.value.message == f"This version is {label} already."
    late.refresh_from_db()
    assert (late.status, late.worker, late.attempts) == (status, "w@host", 1)
    assert (late.finished_at, late.cancel_requested) == (finished.finished_at, False)


def test_a_message_for_a_cancelled_training_whose_worker_died_cancels_it_untrained(
    world, ready_twin
):
    """The agency cancelled while it trained, then its worker died: the message delivered
    again finishes it cancelled at once rather than training it to throw it away."""
    from datetime import timedelta

    from django.utils import timezone

    version = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    long_ago = timezone.now() - timedelta(hours=1)
    TwinVersion.objects.filter(pk=version.pk).update(
        status=TrainingStatus.RUNNING, worker="dead@host", attempts=1, heartbeat_at=long_ago
    )
    twin_version_cancel(actor=world.agency.members.get().user, version=version)

    done = twin_version_run(version_id=version.pk, worker="next@host")

    assert (done.status, done.attempts, done.worker) == (TrainingStatus.CANCELLED, 1, "dead@host")
    assert done.finished_at is not None and done.progress_step == 0


def test_consent_withdrawn_stops_this_twins_trainings_only(world, ready_twin):
    """Another talent's training queued meanwhile goes on; this twin's trained version is not
    marked stopped (the event names the one training that was)."""
    trained = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    twin_version_run(version_id=trained.pk, worker="w@host")
    training = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    elsewhere = TwinVersion.objects.create(
        twin=world.twin_b,
        number=1,
        backend="reference",
        trigger_token="other",
        started_by=world.talent_b.user,
    )

    twin_consent_revoke(actor=world.talent_a.user, twin=ready_twin, reason="Stop")

    states = {
        v.pk: (v.status, v.cancel_requested)
        for v in TwinVersion.objects.filter(pk__in=[trained.pk, training.pk, elsewhere.pk])
    }
    assert states == {
        trained.pk: (TrainingStatus.SUCCEEDED, False),
        training.pk: (TrainingStatus.CANCELLED, True),
        elsewhere.pk: (TrainingStatus.QUEUED, False),
    }
    event = AuditEvent.objects.get(verb="twin.consent_revoked")
    assert event.payload["training_stopped"] == [2]
