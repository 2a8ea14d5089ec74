"""Workers announce themselves on the render farm page: a heartbeat every few seconds from the
worker's main process with its name, queues and GPU (read with nvidia-smi, so CUDA is never
initialised before the pool forks), and a last word when it stops. Jobs name the worker that
runs them, and a worker notes the render backends it has loaded."""

import logging
import os
import shutil
import subprocess
import threading
from typing import Any

from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)
_stop = threading.Event()


def gpu_info() -> tuple[str, int | None]:
    """The name and memory in MB of the worker's GPU, as nvidia-smi sees it: the first of
    CUDA_VISIBLE_DEVICES (a host with eight GPUs runs a worker on each), else the host's first;
    ("", None) without one."""
    smi = shutil.which("nvidia-smi")
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    device = (visible if visible is not None else "0").split(",")[0].strip()
    if smi is None or not device or device == "-1":  # none, or none visible to this worker
        return "", None
    try:
        out = subprocess.run(  # noqa: S603  (a fixed command line)
            [smi, "-i", device, "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
        name, memory = out.splitlines()[0].rsplit(",", 1)
        return name.strip(), int(float(memory))
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return "", None


def heartbeat(hostname: str, queues: list[str], gpu: tuple[str, int | None]) -> None:
    from campaigns.models import RenderWorker

    now = timezone.now()
    worker, created = RenderWorker.objects.get_or_create(
        hostname=hostname,
        defaults={"queues": queues, "started_at": now, "last_seen_at": now, "pid": os.getpid()},
    )
    if not created:
        worker.last_seen_at = now
        if worker.stopped_at is not None or worker.pid != os.getpid():  # started again
            worker.started_at, worker.stopped_at, worker.backends = now, None, []
        worker.queues, worker.pid = queues, os.getpid()
    worker.gpu_name, worker.gpu_memory_mb = gpu
    worker.save()


def _beat(hostname: str, queues: list[str]) -> None:
    gpu = gpu_info()
    while True:
        try:
            heartbeat(hostname, queues, gpu)
        except Exception:
            logger.exception("Worker heartbeat failed")
        finally:
            close_old_connections()
        if _stop.wait(settings.WORKER_HEARTBEAT_SECONDS):
            return


@worker_ready.connect
def _started(sender: Any, **_: Any) -> None:
    hostname = sender.hostname
    queues = sorted(q.name for q in sender.task_consumer.queues) if sender.task_consumer else []
    _stop.clear()
    threading.Thread(target=_beat, args=(hostname, queues), daemon=True, name="heartbeat").start()


@worker_shutdown.connect
def _stopped(sender: Any, **_: Any) -> None:
    from campaigns.models import RenderWorker

    _stop.set()
    try:
        RenderWorker.objects.filter(hostname=sender.hostname).update(stopped_at=timezone.now())
    except Exception:
        logger.exception("Could not record the worker's stop")
