"""Backends for tests of the training machinery (configured by name in the tests)."""

import time

from twins.training.base import Cancelled, Progress, TrainingRequest, TrainingResult


class SlowBackend:
    """Forty half-second steps: long enough to be cancelled, or killed, mid-way."""

    name = "slow"

    def train(self, request: TrainingRequest, progress: Progress) -> TrainingResult:
        for step in range(1, 41):
            time.sleep(0.5)
            if not progress(step, 40):
                raise Cancelled()
        weights = request.output_dir / "weights.bin"
        weights.write_bytes(b"slow" * 256)
        return TrainingResult(annotations={"steps": 40}, weights_path=weights)


class FailingBackend:
    name = "failing"

    def train(self, request: TrainingRequest, progress: Progress) -> TrainingResult:
        progress(1, 3)
        raise RuntimeError("out of GPU memory")


class OvertakenBackend:
    """A worker presumed dead: mid-training its lease ran out and another worker took the
    version over (as `twin_version_run` would), or the reconciler gave up on it (params
    ``given_up``); then it stops as told, fails, or finishes all the same (params ``then``)."""

    name = "overtaken"
    told_to_stop: list[bool] = []  # what its progress report answered, for the test to read

    def train(self, request: TrainingRequest, progress: Progress) -> TrainingResult:
        from django.db.models import F

        from twins.enums import TrainingStatus
        from twins.models import TwinVersion

        versions = TwinVersion.objects.filter(pk=request.version_id)
        if request.params.get("given_up"):  # the reconciler gave up on it: failed for good
            versions.update(status=TrainingStatus.FAILED, error="Gave up")
        else:
            versions.update(
                status=TrainingStatus.RUNNING, worker="other@host", attempts=F("attempts") + 1
            )
        # (An exception here would be a failure the overtaken worker may not write: the test
        # reads the answer instead.)
        OvertakenBackend.told_to_stop.append(not progress(1, 2))
        if request.params.get("then") == "stops":  # as told, as a real backend does
            raise Cancelled()
        if request.params.get("then") == "fails":
            raise RuntimeError("CUDA error: an illegal memory access was encountered")
        weights = request.output_dir / "weights.bin"
        weights.write_bytes(b"late")
        return TrainingResult(annotations={"late": True}, weights_path=weights)


class WithdrawnAtTheEndBackend:
    """The talent withdraws consent after the last step, before the worker stores what it
    made."""

    name = "withdrawn"

    def train(self, request: TrainingRequest, progress: Progress) -> TrainingResult:
        from twins.models import TwinVersion
        from twins.services import twin_consent_revoke

        progress(1, 1)
        twin = (
            TwinVersion.objects.select_related("twin__talent__user").get(pk=request.version_id).twin
        )
        twin_consent_revoke(actor=twin.talent.user, twin=twin, reason="Not this")
        weights = request.output_dir / "weights.bin"
        weights.write_bytes(b"made after consent was withdrawn")
        return TrainingResult(annotations={"made": True}, weights_path=weights)
