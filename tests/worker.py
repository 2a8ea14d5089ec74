"""Start a real Celery worker process against the test database and the configured broker."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import kombu.pools
from django.conf import settings
from django.db import connection

from studio.celery import app

ROOT = Path(__file__).resolve().parent.parent


def broker_empty(*queues: str) -> None:
    """Nothing waiting on ``queues``, and on Redis nothing unacknowledged that a stopped worker
    was holding: for a test that starts on an empty broker, or leaves one behind."""
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for queue in queues:
            channel.queue_purge(queue)
        if settings.CELERY_BROKER_URL.startswith("redis"):
            channel.client.delete(channel.unacked_key, channel.unacked_index_key)


def broker_lose(queue: str) -> None:
    """The broker loses every message waiting on ``queue`` (a flush, say)."""
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


def broker_take(queue: str) -> list[tuple[str, list]]:
    """Take every message waiting on ``queue``: each task's name and arguments."""
    taken = []
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            args, _kwargs, _embed = message.decode()
            taken.append((message.headers["task"], args))
    return taken


def broker_held() -> set[str]:
    """The ids of every task the broker, or a live worker, holds on the gpu and cpu queues."""
    from studio.broker import broker_task_ids

    ids = broker_task_ids(celery_app=app, queues=("gpu", "cpu"))
    assert ids is not None
    return ids


def test_database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(predicate, timeout: float, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()


@dataclass
class Worker:
    hostname: str
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes, as an OOM killer or a lost host would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@contextmanager
def celery_worker(queues: str, log: Path, pool: str = "prefork") -> Iterator[Worker]:
    """A worker consuming ``queues``, yielded once it answers a ping."""
    hostname = f"test-{uuid.uuid4().hex[:8]}@localhost"
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "STUDIO_VAR_DIR": str(settings.VAR_DIR),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PYTHONPATH": str(ROOT),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "studio",
        "worker",
        "-Q",
        queues,
        "--hostname",
        hostname,
        "--pool",
        pool,
        "--concurrency",
        "1",
        "-I",
        "tests.celery_tasks",
        "--without-gossip",
        "--without-mingle",
        "--loglevel",
        "INFO",
    ]
    with log.open("w") as out:
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        ready = wait_for(lambda: app.control.ping(destination=[hostname], timeout=0.5), 30)
        if not ready:
            raise RuntimeError(f"worker did not start:\n{log.read_text()}")
        yield Worker(hostname, process)
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def database_refuses(table: str, when: str, message: str) -> Iterator[None]:
    """PostgreSQL refuses every UPDATE of ``table`` whose new row matches ``when``, as a full
    disk would (a trigger raises ``message`` as SQLSTATE disk_full, which Django raises as an
    OperationalError): a failure the task's own code cannot see coming, in a worker as here."""
    if connection.vendor != "postgresql":
        raise RuntimeError("database_refuses needs PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS"
            f" $$ BEGIN RAISE EXCEPTION '{message}' USING ERRCODE = 'disk_full'; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER test_refuse BEFORE UPDATE ON {table} FOR EACH ROW WHEN ({when})"
            " EXECUTE FUNCTION test_refuse()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER test_refuse ON {table}")
            cursor.execute("DROP FUNCTION test_refuse()")


@contextmanager
def broker_unreachable() -> Iterator[None]:
    """This process' messages go where nothing listens, as when Redis is down: publishing
    retries, then raises kombu's OperationalError."""
    real = app.conf.broker_url, app.conf.broker_write_url

    def point_at(url: str, write_url: str) -> None:
        # Drop the pooled connections, as Celery does after a fork, so that none made for one
        # address is reused for the other.
        kombu.pools.reset()
        app._pool = None
        app.amqp._producer_pool = None
        app.conf.broker_url, app.conf.broker_write_url = url, write_url

    point_at("redis://127.0.0.1:1/0", "redis://127.0.0.1:1/0")
    try:
        yield
    finally:
        point_at(*real)
