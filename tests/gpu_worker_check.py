"""A real Celery GPU worker renders `diffusers` jobs end to end on a CUDA host: the embedded
defaults (SQLite, the filesystem broker, media in a temporary folder) with the demo data, and
random weights in Stable Diffusion 1.5 inpainting's shapes with a LoRA on the demo twin. It checks
what only a GPU host shows: the prefork worker starts CUDA in its child only (the heartbeat reads
the GPU with nvidia-smi), each job reports progress and stores its render and thumbnail, and the
render farm's record names the GPU. On a GPU host with the `gpu` extra installed:

    python -m tests.gpu_worker_check

It prints each job's state, attempts, GPU seconds and time from queueing to finish, the render's
device and GPU, and the worker's record, and exits 1 unless every job succeeded on CUDA.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

JOBS = 5


def main() -> int:
    var = Path(tempfile.mkdtemp(prefix="gpu-worker-check-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="studio.settings",
        DEBUG="1",
        HF_HUB_OFFLINE="1",
        STUDIO_VAR_DIR=str(var),
    )
    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.core.management import call_command

    from campaigns import selectors
    from campaigns.enums import JOB_TERMINAL, JobState, Priority
    from campaigns.models import Campaign, Render, RenderJob, RenderWorker, Scene
    from campaigns.services import MatrixSpec, matrix_plan, matrix_queue
    from campaigns.services.matrix import latest_versions
    from studio.permissions import actor_for
    from tests.gpu_render_timing import build_sd15_shaped
    from tests.tiny_sd import build_tiny_lora

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    base = build_sd15_shaped(var / "sd")
    lora = build_tiny_lora(base, var / "sd" / "lora", seed=1)

    demo = Campaign.objects.order_by("pk").first()
    assert demo is not None
    actor = actor_for(demo.owner, demo.brand.slug)
    twin = selectors.licensed_twins(actor=actor).first()
    assert twin is not None
    version = latest_versions([twin.pk])[twin.pk]
    version.weights_uri = default_storage.save(
        "twins/weights/gpu-check.safetensors", ContentFile(lora.read_bytes())
    )
    version.base_model = str(base)
    version.save()
    campaign = Campaign.objects.create(
        brand=demo.brand,
        name="GPU check",
        markets=demo.markets,
        channels=demo.channels,
        starts_on=demo.starts_on,
        ends_on=demo.ends_on,
        owner=demo.owner,
        status=demo.status,
        backend="diffusers",
        gpu_budget_seconds=36_000,
    )
    scene = Scene.objects.create(campaign=campaign, name="Stone", kind="colour", value="#e8e4dc")
    specs = (
        MatrixSpec(
            looks=(look.pk,),
            twins=(twin.pk,),
            poses=("standing-front",),
            scenes=(scene.pk,),
            formats=("4:5",),
            variants=JOBS,
            priority=Priority.NORMAL,
        )
        for look in selectors.look_list(actor=actor)
    )
    spec = next(s for s in specs if matrix_plan(actor=actor, campaign=campaign, spec=s).renders)

    with (var / "worker.log").open("w") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "studio",
                "worker",
                "-Q",
                "gpu,cpu",
                "--concurrency=1",
                "-n",
                "gpu0@%h",
                "--loglevel=INFO",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started = time.perf_counter()
        matrix_queue(actor=actor, campaign=campaign, spec=spec)
        jobs = RenderJob.objects.filter(campaign=campaign).order_by("started_at")
        renders = Render.objects.filter(job__campaign=campaign)
        while time.perf_counter() - started < 600:
            states = set(jobs.values_list("state", flat=True))
            if states <= set(JOB_TERMINAL) and (
                states != {JobState.SUCCEEDED} or not renders.filter(thumbnail="").exists()
            ):
                break
            time.sleep(0.5)
        print(f"{time.perf_counter() - started:.1f} s from queueing to the last thumbnail")
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)

    good = 0
    for job in jobs:
        render = renders.filter(job=job).first()
        meta = render.meta if render else {}
        took = (job.finished_at - job.queued_at).total_seconds() if job.finished_at else None
        print(
            f"{job.state} after {job.attempts} attempt(s) on {job.worker}: {job.gpu_seconds} GPU s,"
            f" {took} s queued to finished; {meta.get('device')} {meta.get('gpu')},"
            f" thumbnail {bool(render and render.thumbnail)} {job.error}"
        )
        good += job.state == JobState.SUCCEEDED and meta.get("device") == "cuda"
    for record in RenderWorker.objects.all():
        gpu = f"{record.gpu_name}, {record.gpu_memory_mb} MB"
        print(f"worker {record.hostname}: {gpu}, backends {record.backends}")
    estimate = selectors.seconds_per_render(campaign.brand_id, "diffusers")
    print(f"the next plan's estimate: {estimate} s a render")
    print(f"worker log: {var / 'worker.log'}")
    return 0 if good == JOBS else 1


if __name__ == "__main__":
    sys.exit(main())
