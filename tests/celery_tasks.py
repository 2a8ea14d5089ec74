"""Tasks the test worker imports (celery worker -I tests.celery_tasks)."""

import os
import time
from pathlib import Path

from celery import shared_task


@shared_task(bind=True)
def record_task(self, path: str, token: str) -> None:
    """Write who ran it, from which queue, so the test can see a real worker did."""
    queue = (self.request.delivery_info or {}).get("routing_key", "")
    Path(path).write_text(f"{token} {self.request.hostname} {queue} {os.getpid()}")


@shared_task(bind=True)
def slow_once_task(self, path: str, seconds: float) -> None:
    """Log each run; the first run takes ``seconds`` (long enough to be killed in)."""
    log = Path(path)
    runs = log.read_text().splitlines() if log.exists() else []
    with log.open("a") as out:
        out.write(f"{self.request.hostname} {os.getpid()}\n")
    if not runs:
        time.sleep(seconds)


@shared_task
def database_session_task(path: str) -> None:
    """Append the id of the database session this task ran its query on."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    with Path(path).open("a") as out:
        out.write(f"{pid}\n")
