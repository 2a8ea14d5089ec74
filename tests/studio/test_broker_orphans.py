"""A worker killed mid-task (SIGKILL) leaves its message unacknowledged in Redis; the orphan
sweep requeues it within a minute instead of after the hours-long visibility timeout, and only
when no live worker holds it."""

from collections.abc import Iterator

import pytest
from django.conf import settings

from studio.broker import orphaned_messages_restore
from studio.celery import BEAT_SCHEDULE, app
from tests.celery_tasks import slow_once_task
from tests.worker import celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.timeout(180)]


def _forget_every_message() -> None:
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("gpu")
        client = conn.default_channel.client
        client.delete(conn.default_channel.unacked_key, conn.default_channel.unacked_index_key)


@pytest.fixture(autouse=True)
def _redis_only() -> Iterator[None]:
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("the unacked set is Redis'; the filesystem broker has none")
    _forget_every_message()
    yield
    _forget_every_message()  # a killed worker's orphan would be another test's surprise


def unacked_count() -> int:
    with app.connection_for_write() as conn:
        return conn.default_channel.client.hlen(conn.default_channel.unacked_key)


def test_a_killed_workers_job_comes_back_and_runs_once_more(tmp_path, transactional_db):
    runs = tmp_path / "runs.txt"
    with celery_worker("gpu", tmp_path / "a.log") as first:
        result = slow_once_task.apply_async((str(runs), 120), queue="gpu")
        assert wait_for(runs.exists, 20), (tmp_path / "a.log").read_text()
        wait_for(lambda: False, 2.5)  # let the delivery age past min_age
        # A live worker holds it: nothing is requeued.
        assert orphaned_messages_restore(celery_app=app, min_age=2, inspect_timeout=1) == []
        assert unacked_count() == 1
        first.kill()
    assert orphaned_messages_restore(celery_app=app, min_age=2, inspect_timeout=1) == [result.id]
    assert unacked_count() == 0
    with celery_worker("gpu", tmp_path / "b.log") as second:
        assert wait_for(lambda: len(runs.read_text().splitlines()) == 2, 30), (
            tmp_path / "b.log"
        ).read_text()
        assert wait_for(lambda: unacked_count() == 0, 10)
    hosts = [line.split()[0] for line in runs.read_text().splitlines()]
    assert hosts == [first.hostname, second.hostname]


def test_young_messages_are_left_alone(tmp_path, transactional_db):
    runs = tmp_path / "runs.txt"
    with celery_worker("gpu", tmp_path / "a.log") as worker:
        slow_once_task.apply_async((str(runs), 120), queue="gpu")
        assert wait_for(runs.exists, 20)
        worker.kill()
    # Dead worker, but the delivery is younger than min_age: not yet.
    assert orphaned_messages_restore(celery_app=app, min_age=60, inspect_timeout=1) == []
    assert unacked_count() == 1


def test_the_sweep_runs_on_beat_often_enough_for_a_minute():
    entry = BEAT_SCHEDULE["broker-orphans-restore"]
    assert entry["task"] == "studio.tasks.broker_orphans_restore_task"
    assert entry["schedule"] + settings.CELERY_ORPHAN_MIN_AGE <= 60
