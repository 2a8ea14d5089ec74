"""Render backends for tests of the job machinery (configured by name in the tests)."""

import io
import os
import time
from pathlib import Path

from PIL import Image

from campaigns.rendering.base import (
    Progress,
    RenderCancelled,
    RenderRequest,
    RenderResult,
    VersionInfo,
)


def picture(request: RenderRequest, colour: tuple[int, int, int], **meta: str) -> RenderResult:
    out = io.BytesIO()
    Image.new("RGB", (request.width, request.height), colour).save(out, "PNG")
    return RenderResult(png=out.getvalue(), width=request.width, height=request.height, meta=meta)


class SlowBackend:
    """Forty quarter-second steps: long enough to be cancelled, or killed, mid-way. Each run
    that starts is logged to $RENDER_RUN_LOG, so a test can count them."""

    name = "slow"
    scene_kinds = frozenset({"colour", "image", "prompt"})

    def missing(self, version: VersionInfo, angle: str) -> str:
        return ""

    def render(self, request: RenderRequest, progress: Progress) -> RenderResult:
        log = os.environ.get("RENDER_RUN_LOG")
        if log:
            with Path(log).open("a") as out:
                out.write(f"{request.seed} {os.getpid()}\n")
        for step in range(1, 41):
            time.sleep(0.25)
            if not progress(step, 40):
                raise RenderCancelled()
        out = io.BytesIO()
        Image.new("RGB", (request.width, request.height), (90, 60, 30)).save(out, "PNG")
        return RenderResult(png=out.getvalue(), width=request.width, height=request.height)


class StuckBackend(SlowBackend):
    """One step, then a step that never returns to check for cancel (a hung kernel, say): only
    terminating its process stops it. Logs its pid to $RENDER_RUN_LOG, as the slow one does."""

    name = "stuck"

    def render(self, request: RenderRequest, progress: Progress) -> RenderResult:
        log = os.environ.get("RENDER_RUN_LOG")
        if log:
            with Path(log).open("a") as out:
                out.write(f"{request.seed} {os.getpid()}\n")
        progress(1, 2)
        time.sleep(120)
        raise AssertionError("a stuck render was not terminated")


class FailingBackend:
    name = "failing"
    scene_kinds = frozenset({"colour", "image", "prompt"})

    def missing(self, version: VersionInfo, angle: str) -> str:
        return ""

    def render(self, request: RenderRequest, progress: Progress) -> RenderResult:
        progress(1, 3)
        time.sleep(0.05)  # a step's GPU time, spent before it fails
        raise RuntimeError("CUDA out of memory")


class BaseNamingBackend(FailingBackend):
    """Fails naming the base weights the request asked for, for a test to read in the error."""

    name = "says-base"

    def render(self, request: RenderRequest, progress: Progress) -> RenderResult:
        raise RuntimeError(f"base {request.base_model}")


class OvertakenBackend(FailingBackend):
    """A worker presumed dead: mid-render its lease ran out and another worker took the job
    over (as `render_job_run` would), and only then does it fail."""

    name = "overtaken"

    def render(self, request: RenderRequest, progress: Progress) -> RenderResult:
        from django.db.models import F

        from campaigns.enums import JobState
        from campaigns.models import RenderJob

        RenderJob.objects.filter(state=JobState.RUNNING).update(
            worker="other@host", attempts=F("attempts") + 1
        )
        return self.then(request, progress)

    def then(self, request: RenderRequest, progress: Progress) -> RenderResult:
        return super().render(request, progress)


class OvertakenFinishingBackend(OvertakenBackend):
    """Overtaken, as above, and then it finishes its picture."""

    name = "overtaken-finishes"

    def then(self, request: RenderRequest, progress: Progress) -> RenderResult:
        return picture(request, (60, 90, 30))


class CancelledAtTheEndBackend(FailingBackend):
    """Its last step done, a cancel comes in before its picture is stored."""

    name = "cancelled-late"

    def render(self, request: RenderRequest, progress: Progress) -> RenderResult:
        from django.utils import timezone

        from campaigns.enums import JobState
        from campaigns.models import RenderJob

        assert progress(1, 1)
        time.sleep(0.05)  # its last step rendered
        RenderJob.objects.filter(state=JobState.RUNNING).update(
            cancel_requested_at=timezone.now(), error="Stopped by the director."
        )
        return picture(request, (90, 30, 60))


class StoppedMidwayBackend(FailingBackend):
    """Its campaign is archived mid-render (the archive stops its running renders, saying why):
    the next step is refused and the backend stops, as a real one does."""

    name = "stopped"

    def render(self, request: RenderRequest, progress: Progress) -> RenderResult:
        from campaigns.enums import JobState
        from campaigns.models import RenderJob
        from campaigns.services.rendering import campaign_renders_stop

        time.sleep(0.05)  # a step rendered
        campaign = RenderJob.objects.get(state=JobState.RUNNING).campaign
        campaign_renders_stop(campaign, "The campaign was archived.")
        if not progress(1, 2):
            raise RenderCancelled()
        raise AssertionError("the step after a cancel was not refused")


class RedeliveredBackend(FailingBackend):
    """The broker delivers the job's message again (to another worker) as the render starts, and
    again after a step that came a lease's length later: each delivery has to find the job held
    and leave it. What each met is kept in ``met``."""

    name = "redelivered"
    met: list[str] = []

    def render(self, request: RenderRequest, progress: Progress) -> RenderResult:
        from datetime import timedelta

        from django.conf import settings
        from django.db.models import F

        from campaigns.enums import JobState
        from campaigns.models import RenderJob

        if self.met:  # a second delivery that took the job renders it plainly
            return picture(request, (30, 60, 90))
        job = RenderJob.objects.get(state=JobState.RUNNING)
        self.met.append(self.deliver_again(job.pk))
        lease = timedelta(seconds=settings.RENDER_LEASE_SECONDS + 1)
        RenderJob.objects.filter(pk=job.pk).update(heartbeat_at=F("heartbeat_at") - lease)
        progress(1, 2)  # the step a lease's length after the start renews the lease
        self.met.append(self.deliver_again(job.pk))
        return picture(request, (30, 60, 90), gpu="NVIDIA H100 80GB HBM3")  # its last step unsaid

    @staticmethod
    def deliver_again(job_id: object) -> str:
        from campaigns.services.rendering import LeaseHeld, render_job_run

        try:
            render_job_run(job_id=str(job_id), worker="second@host")
            return "rendered again"
        except LeaseHeld:
            return "held"


EXTRA = {
    "slow": "tests.render_backends.SlowBackend",
    "stuck": "tests.render_backends.StuckBackend",
    "failing": "tests.render_backends.FailingBackend",
    "says-base": "tests.render_backends.BaseNamingBackend",
    "overtaken": "tests.render_backends.OvertakenBackend",
    "stopped": "tests.render_backends.StoppedMidwayBackend",
    "redelivered": "tests.render_backends.RedeliveredBackend",
    "overtaken-finishes": "tests.render_backends.OvertakenFinishingBackend",
    "cancelled-late": "tests.render_backends.CancelledAtTheEndBackend",
}
