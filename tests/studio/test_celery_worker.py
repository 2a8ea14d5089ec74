"""Tasks travel through the configured broker (Redis, or the filesystem broker of the embedded
defaults) and run in a real worker process started here."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from studio.broker import _held_task_ids
from studio.celery import app
from studio.tasks import sessions_clear_task
from tests.celery_tasks import database_session_task, record_task, slow_once_task
from tests.worker import celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.defaults, pytest.mark.timeout(120)]


@pytest.fixture(autouse=True)
def _empty_queues() -> None:
    with app.connection_for_write() as conn:
        for queue in ("gpu", "cpu", "default"):
            conn.default_channel.queue_declare(queue=queue, durable=True)
            conn.default_channel.queue_purge(queue)


def test_a_task_sent_through_the_broker_runs_in_a_worker(tmp_path, transactional_db):
    marker = tmp_path / "ran.txt"
    token = uuid.uuid4().hex
    with celery_worker("default,cpu", tmp_path / "worker.log") as worker:
        record_task.delay(str(marker), token)
        assert wait_for(marker.exists, 20), (tmp_path / "worker.log").read_text()
    ran_token, ran_on, queue, _pid = marker.read_text().split()
    assert (ran_token, ran_on, queue) == (token, worker.hostname, "default")


def test_a_task_waits_for_a_worker_of_its_queue(tmp_path, transactional_db):
    marker = tmp_path / "gpu.txt"
    with celery_worker("default,cpu", tmp_path / "cpu.log"):
        record_task.apply_async((str(marker), "gpu-job"), queue="gpu")
        assert not wait_for(marker.exists, 2)  # nobody consumes `gpu` yet
    with celery_worker("gpu", tmp_path / "gpu.log") as gpu:
        assert wait_for(marker.exists, 20), (tmp_path / "gpu.log").read_text()
    assert marker.read_text().split()[:3] == ["gpu-job", gpu.hostname, "gpu"]


def test_the_scheduled_session_cleanup_runs_on_a_worker_against_the_database(
    tmp_path, transactional_db
):
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="", expire_date=now - timedelta(1))
    Session.objects.create(session_key="live", session_data="", expire_date=now + timedelta(1))
    assert settings.CELERY_BROKER_URL.split(":")[0] in {"redis", "filesystem"}
    with celery_worker("default", tmp_path / "worker.log"):
        sessions_clear_task.delay()
        assert wait_for(lambda: not Session.objects.filter(session_key="old").exists(), 20), (
            tmp_path / "worker.log"
        ).read_text()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="asks PostgreSQL for the session's backend pid",
)
def test_a_worker_keeps_its_database_connection_between_tasks(tmp_path, transactional_db):
    """One connection serves task after task (Celery's Django fixup would open one per task);
    one that the server dropped is noticed before reuse and replaced, and the task still runs."""
    sessions = tmp_path / "sessions.txt"

    def run_one() -> list[str]:
        before = len(sessions.read_text().split()) if sessions.exists() else 0
        database_session_task.delay(str(sessions))
        ran = wait_for(lambda: sessions.exists() and len(sessions.read_text().split()) > before, 20)
        assert ran, (tmp_path / "worker.log").read_text()
        return sessions.read_text().split()

    with celery_worker("default", tmp_path / "worker.log"):
        run_one()
        run_one()
        first, second = run_one()[-2:]
        assert first == second
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [int(second)])
        assert run_one()[-1] != second


def test_a_worker_reports_every_task_it_holds_in_one_reply(tmp_path, transactional_db):
    """What the orphan sweep and the job reconciler must not take for lost: the task a worker
    keeps for its countdown and the one it runs, in one answer (held_task_ids)."""
    runs, later = tmp_path / "runs.txt", tmp_path / "later.txt"
    assert _held_task_ids(app, timeout=1) == set()  # no worker, no answer
    with celery_worker("gpu", tmp_path / "worker.log"):
        waiting = record_task.apply_async((str(later), "x"), queue="gpu", countdown=10)
        assert wait_for(lambda: waiting.id in _held_task_ids(app, timeout=1), 20)
        running = slow_once_task.apply_async((str(runs), 6), queue="gpu")
        assert wait_for(runs.exists, 20), (tmp_path / "worker.log").read_text()
        replies = app.control.broadcast("held_task_ids", reply=True, timeout=1)
        (held,) = [ids for reply in replies for ids in reply.values()]
        assert {waiting.id, running.id} <= set(held)
        # Both run before the worker stops: nothing is left in the broker for other tests.
        assert wait_for(later.exists, 30), (tmp_path / "worker.log").read_text()
