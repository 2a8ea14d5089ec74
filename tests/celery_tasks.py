"""Tasks the test worker imports (celery worker -I tests.celery_tasks)."""

import os
from pathlib import Path

from celery import shared_task


@shared_task(bind=True)
def record_task(self, path: str, token: str) -> None:
    """Write who ran it, from which queue, so the test can see a real worker did."""
    queue = (self.request.delivery_info or {}).get("routing_key", "")
    Path(path).write_text(f"{token} {self.request.hostname} {queue} {os.getpid()}")
