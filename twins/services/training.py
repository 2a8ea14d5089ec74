"""Twin versions: start training, run it on a worker, cancel, retire."""

import hashlib
import logging
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from studio.broker import unless_broker_down
from studio.errors import Conflict, StudioError
from studio.media import MissingFile, local_file
from studio.services import audit_record
from twins.enums import CheckStatus, TrainingStatus
from twins.models import CapturePhoto, Twin, TwinVersion
from twins.permissions import talent_require
from twins.revocation import Revocation, revocation_dispatch
from twins.selectors import twin_coverage
from twins.services.capture import agreement_in_force
from twins.training import training_backend, training_params
from twins.training.base import Cancelled, TrainingPhoto, TrainingRequest, params_clean

logger = logging.getLogger(__name__)
TERMINAL = (TrainingStatus.SUCCEEDED, TrainingStatus.FAILED, TrainingStatus.CANCELLED)


def _audit(actor: User | None, verb: str, version: TwinVersion, **payload: Any) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        obj=version,
        talent_user=version.twin.talent.user,
        payload={"version": version.number, "backend": version.backend, **payload},
    )


def _startable(twin: Twin) -> None:
    if twin.consent_revoked_at is not None:
        raise Conflict("Consent for this twin was withdrawn.")
    if agreement_in_force(twin, timezone.localdate()) is None:
        raise Conflict("No replica agreement is in force for this twin.")


@transaction.atomic
def twin_version_train(
    *, actor: User, twin: Twin, backend: str = "", params: dict[str, Any] | None = None
) -> TwinVersion:
    """Queue the training of a new version from the photos that passed their checks."""
    talent_require(actor, twin.talent_id)
    twin = Twin.objects.select_for_update().select_related("talent__user").get(pk=twin.pk)
    backend = backend or settings.TWIN_TRAINING_BACKEND
    if backend not in settings.TWIN_TRAINING_BACKENDS:
        raise StudioError(f"Unknown training backend {backend!r}.")
    try:
        params = params_clean(training_params(backend), params or {})
    except ValueError as exc:
        raise StudioError(str(exc), field="params") from exc
    _startable(twin)
    coverage = twin_coverage(twin=twin)
    if not coverage.ready:
        raise Conflict("The capture set is not ready: " + ", ".join(coverage.missing) + ".")
    if twin.versions.filter(status__in=[TrainingStatus.QUEUED, TrainingStatus.RUNNING]).exists():
        raise Conflict("A version of this twin is training already.")
    number = (twin.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = TwinVersion.objects.create(
        twin=twin,
        number=number,
        backend=backend,
        params=params,
        base_model=settings.TWIN_BASE_MODEL if backend != "reference" else "",
        trigger_token=f"tw{twin.pk}v{number}",
        started_by=actor,
    )
    version.photos.set(CapturePhoto.objects.filter(twin=twin, check_status=CheckStatus.PASSED))
    _audit(actor, "twin_version.queued", version, photos=version.photos.count())
    transaction.on_commit(lambda: twin_version_send(version.pk))
    return version


def training_task_id(version_id: int) -> str:
    """The Celery task id of a version's training, so that the reconciler can ask the broker."""
    return f"twin-version-{version_id}"


def twin_version_send(version_id: int) -> None:
    from twins.tasks import twin_version_train_task  # tasks import services, not the reverse

    with unless_broker_down(f"the training of version {version_id}"):
        twin_version_train_task.apply_async((version_id,), task_id=training_task_id(version_id))


def twin_version_recover(*, version_id: int) -> str:
    """A running version whose worker went silent (the reconciler found no message for it):
    cancelled if a cancel was asked for, failed once its workers died
    TWIN_TRAINING_MAX_ATTEMPTS times, else queued and sent again. Says which, or "" where it
    is not silent any more."""
    with transaction.atomic():
        version = TwinVersion.objects.select_for_update().get(pk=version_id)
        if version.status != TrainingStatus.RUNNING or not _lease_over(version, timezone.now()):
            return ""
        if version.cancel_requested:
            _finish(version_id, TrainingStatus.CANCELLED)
            return TrainingStatus.CANCELLED
        if version.attempts >= settings.TWIN_TRAINING_MAX_ATTEMPTS:
            _finish(version_id, TrainingStatus.FAILED, error=gave_up(version))
            return TrainingStatus.FAILED
        version.status, version.worker = TrainingStatus.QUEUED, ""
        version.save(update_fields=["status", "worker"])
        transaction.on_commit(lambda: twin_version_send(version_id))
    return TrainingStatus.QUEUED


def _local_photos(version: TwinVersion, folder: Path) -> tuple[TrainingPhoto, ...]:
    """The version's photos as local files: where they are stored, or copied into ``folder``
    from S3. A photo gone from storage is a MissingFile that names it."""
    photos = []
    for photo in version.photos.order_by("pk"):
        what = (
            f"Capture photo {photo.pk} ({photo.get_angle_display()}, "
            f"{photo.get_framing_display()}, {photo.get_lighting_display()})"
        )
        storage, name = photo.image.storage, str(photo.image.name)
        if isinstance(storage, FileSystemStorage):
            path = local_file(photo.image, what)
        else:  # S3: the backend reads local files
            path = folder / Path(name).name
            try:
                with storage.open(name, "rb") as source:
                    path.write_bytes(source.read())
            except FileNotFoundError as exc:
                raise MissingFile(what) from exc
        photos.append(TrainingPhoto(photo.pk, path, photo.angle, photo.framing, photo.lighting))
    return tuple(photos)


def _finish(version_id: int, status: str, worker: str | None = None, **fields: Any) -> TwinVersion:
    """Finish the version with ``status``; given the ``worker`` that trained it, only while that
    worker still runs it: one presumed dead and overtaken leaves it to the worker that took it
    over, whatever it made of it."""
    with transaction.atomic():
        version = (
            TwinVersion.objects.select_for_update(of=("self",))
            .select_related("twin__talent__user")
            .get(pk=version_id)
        )
        if worker is not None and (
            version.status != TrainingStatus.RUNNING or version.worker != worker
        ):
            return version
        if status == TrainingStatus.SUCCEEDED and version.cancel_requested:
            # Cancelled, or consent withdrawn, after its last step: what it made is not kept.
            status, fields = TrainingStatus.CANCELLED, {}
        for name, value in {"status": status, "finished_at": timezone.now(), **fields}.items():
            setattr(version, name, value)
        version.save()
        _audit(
            None,
            f"twin_version.{status}",
            version,
            **({"error": fields["error"]} if "error" in fields else {}),
        )
    return version


def _lease_over(version: TwinVersion, now: Any) -> bool:
    lease = timedelta(seconds=settings.TWIN_TRAINING_LEASE_SECONDS)
    return version.heartbeat_at is None or version.heartbeat_at + lease <= now


def gave_up(version: TwinVersion) -> str:
    return f"Gave up after {version.attempts} attempts: the worker stopped each time."


@transaction.atomic
def _claim(version_id: int, worker: str) -> tuple[TwinVersion | None, bool]:
    """The version, and whether this worker took it to train."""
    version = (
        TwinVersion.objects.select_for_update(of=("self",))
        .select_related("twin__talent__user")
        .filter(pk=version_id)
        .first()
    )
    if version is None or version.status in TERMINAL:
        return version, False
    if version.cancel_requested:
        version.status, version.finished_at = TrainingStatus.CANCELLED, timezone.now()
        version.save(update_fields=["status", "finished_at"])
        return version, False
    now = timezone.now()
    if version.status == TrainingStatus.RUNNING and not _lease_over(version, now):
        return version, False  # a duplicate delivery while its worker trains: leave it to it
    if version.attempts >= settings.TWIN_TRAINING_MAX_ATTEMPTS:
        return _finish(version_id, TrainingStatus.FAILED, error=gave_up(version)), False
    version.status, version.started_at, version.error = TrainingStatus.RUNNING, now, ""
    version.attempts += 1
    version.worker, version.progress_step, version.heartbeat_at = worker, 0, now
    claimed = ["status", "started_at", "error", "attempts", "worker", "progress_step"]
    version.save(update_fields=[*claimed, "heartbeat_at"])
    return version, True


def _start_failed(version_id: int, error: str) -> None:
    """Taking the version raised (the database refused, say): one still queued counts the
    attempt and keeps the error, for the reconciler to send it again, and is failed once it has
    used its attempts, so a training that cannot start never loops."""
    with transaction.atomic():
        version = TwinVersion.objects.select_for_update().filter(pk=version_id).first()
        if version is None or version.status != TrainingStatus.QUEUED:
            return
        version.attempts += 1
        if version.attempts < settings.TWIN_TRAINING_MAX_ATTEMPTS:
            version.error = error
            version.save(update_fields=["attempts", "error"])
            return
        _finish(
            version_id,
            TrainingStatus.FAILED,
            attempts=version.attempts,
            error=f"Gave up after {version.attempts} attempts: {error}",
        )


def twin_version_run(*, version_id: int, worker: str = "") -> TwinVersion | None:
    """Train one version (called by the gpu task). Idempotent on the version: a finished one is
    left alone; a running one whose worker still reports is left to it; one whose worker went
    silent starts again from the beginning, unless its workers died TWIN_TRAINING_MAX_ATTEMPTS
    times already (a poison job never loops)."""
    try:
        version, claimed = _claim(version_id, worker)
    except Exception as exc:
        logger.exception("Training of version %s could not start", version_id)
        _start_failed(version_id, f"Could not start: {type(exc).__name__}: {exc}")
        raise
    if version is None or not claimed:
        return version
    try:
        _startable(version.twin)  # consent and agreement again, at the moment work starts
    except Conflict as exc:
        return _finish(version_id, TrainingStatus.FAILED, error=exc.message)

    def progress(step: int, total: int) -> bool:
        """Report a step and renew the lease; False (stop) once a cancel was asked for, or once
        another worker took the version over."""
        mine = TwinVersion.objects.filter(
            pk=version_id, status=TrainingStatus.RUNNING, worker=worker, cancel_requested=False
        )
        return bool(
            mine.update(progress_step=step, progress_total=total, heartbeat_at=timezone.now())
        )

    with tempfile.TemporaryDirectory(prefix=f"twin-version-{version_id}-") as scratch:
        folder = Path(scratch)
        try:
            request = TrainingRequest(
                version_id=version_id,
                trigger_token=version.trigger_token,
                base_model=version.base_model,
                photos=_local_photos(version, folder),
                params=version.params,
                output_dir=folder / "out",
            )
            request.output_dir.mkdir()
            result = training_backend(version.backend).train(request, progress)
        except Cancelled:
            return _finish(version_id, TrainingStatus.CANCELLED, worker)
        except Exception as exc:
            logger.exception("Training of version %s failed", version_id)
            error = f"{type(exc).__name__}: {exc}"
            return _finish(version_id, TrainingStatus.FAILED, worker, error=error)
        fields: dict[str, Any] = {"annotations": result.annotations}
        if result.weights_path is not None:
            digest = hashlib.sha256(result.weights_path.read_bytes()).hexdigest()
            name = f"twins/{version.twin_id}/v{version.number}/{result.weights_path.name}"
            with result.weights_path.open("rb") as weights:
                fields["weights_uri"] = default_storage.save(name, File(weights))
            fields["weights_sha256"] = digest
    done = _finish(version_id, TrainingStatus.SUCCEEDED, worker, **fields)
    if "weights_uri" in fields and done.weights_uri != fields["weights_uri"]:
        default_storage.delete(fields["weights_uri"])  # overtaken, or cancelled at the end
    return done


def _stop(version: TwinVersion) -> None:
    """A queued version is cancelled at once; a running one's backend stops at its next step,
    and one that finishes meanwhile is cancelled all the same (see _finish)."""
    if version.status == TrainingStatus.QUEUED:
        version.status, version.finished_at = TrainingStatus.CANCELLED, timezone.now()
    version.cancel_requested = True
    version.save(update_fields=["status", "finished_at", "cancel_requested"])


@transaction.atomic
def twin_version_cancel(*, actor: User, version: TwinVersion) -> TwinVersion:
    version = (
        TwinVersion.objects.select_for_update(of=("self",))
        .select_related("twin__talent__user")
        .get(pk=version.pk)
    )
    talent_require(actor, version.twin.talent_id)
    if version.status in TERMINAL:
        raise Conflict(f"This version is {version.get_status_display().lower()} already.")
    _stop(version)
    _audit(actor, "twin_version.cancel_requested", version)
    return version


def twin_training_stop(*, twin: Twin) -> list[TwinVersion]:
    """Stop every training of the twin (its consent was withdrawn: nothing new is made of the
    person); the caller holds the twin's row and records why."""
    training = TwinVersion.objects.select_for_update(of=("self",)).filter(
        twin=twin, status__in=[TrainingStatus.QUEUED, TrainingStatus.RUNNING]
    )
    versions = list(training.order_by("pk"))
    for version in versions:
        _stop(version)
    return versions


@transaction.atomic
def twin_version_retire(*, actor: User, version: TwinVersion) -> TwinVersion:
    """The talent (or their agency) retires a version: it is never rendered again."""
    version = (
        TwinVersion.objects.select_for_update(of=("self",))
        .select_related("twin__talent__user")
        .get(pk=version.pk)
    )
    talent_require(actor, version.twin.talent_id)
    if version.retired_at is not None:
        raise Conflict("This version is retired already.")
    version.retired_at = timezone.now()
    version.save(update_fields=["retired_at"])
    _audit(actor, "twin_version.retired", version)
    revocation_dispatch(  # its queued renders are cancelled, its running ones stopped
        Revocation(
            kind="version",
            twin_id=version.twin_id,
            license_ids=(),
            brand_ids=(),
            reason=f"The talent retired version {version.number} of the twin.",
            actor_id=actor.pk,
            version_id=version.pk,
        )
    )
    return version
