"""`manage.py benchmark render`, `pages` and `import` run from start to end and print every
figure they are for. The figures themselves are not asserted: timings do not belong in the test
suite."""

import os
import re
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.worker import ROOT

pytestmark = pytest.mark.timeout(300)


def benchmark(settings, *args: str) -> list[str]:
    """The lines ``manage.py benchmark <args>`` printed, on the tests' database server and
    broker; it must end well."""
    done = subprocess.run(
        [sys.executable, "manage.py", "benchmark", *args],
        cwd=ROOT,
        env={**os.environ, "CELERY_BROKER_URL": settings.CELERY_BROKER_URL},
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.mark.worker
def test_the_render_benchmark_prints_every_figure(settings):
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("the benchmark runs on Redis")
    lines = benchmark(settings, "render", "--jobs", "5")
    for figure in (
        "raw Celery no-op round trip (5 runs)",
        "raw two-hop no-op chain, gpu → cpu (5)",
        "+ the thumbnail's image work, no database (5)",
        "job overhead, queue → stored → thumbnail (5)",
        "from the director's queueing call",
        "of which, medians from the queueing call",
        "enqueue a 5,000-shot matrix",
        "preview render 1024×1280, five garments, warm",
    ):
        printed = [line for line in lines if figure in line]
        assert printed and re.search(r"\d+\.?\d* m?s\b", printed[0]), (figure, lines)


@pytest.mark.worker
def test_the_pages_benchmark_prints_each_page(settings):
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("the benchmark queues its matrix on Redis")
    lines = benchmark(settings, "pages", "--campaigns", "2")
    assert "render jobs of one brand, 3 campaigns" in lines[0], lines
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "dashboard",
        "campaign list",
        "campaign board",
        "board cards (live poll)",
        "render farm (live poll)",
        "API jobs of the campaign",
        "API jobs of the oldest",
        "API jobs of the brand",
        "API renders of the brand",
    ], lines
    assert all(re.search(r"\d+ ms, \d+ queries$", line) for line in lines[1:])


def test_the_import_benchmark_prints_each_import(settings):
    printed = benchmark(settings, "import", "--rows", "30")[1:]
    assert [line.split(":")[0].strip() for line in printed] == [
        "new",
        "again, unchanged",
        "changed",
    ], printed
    assert "(30 created, 0 updated)" in printed[0] and "(0 created, 30 updated)" in printed[2]
    assert all(re.search(r"\d+\.\d\d s, \d+ queries", line) for line in printed)


@pytest.mark.defaults
def test_the_render_benchmark_refuses_a_broker_without_priorities(settings, db):
    settings.CELERY_BROKER_URL = "filesystem://"
    with pytest.raises(CommandError, match="runs on Redis"):
        call_command("benchmark", "render", "--jobs", "5")


@pytest.mark.defaults
def test_the_render_benchmark_refuses_a_database_other_than_postgresql(settings, db):
    if connection.vendor == "postgresql":
        pytest.skip("runs on the embedded SQLite, the database it refuses")
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/9"
    with pytest.raises(CommandError, match="runs on PostgreSQL"):
        call_command("benchmark", "render", "--jobs", "5")
