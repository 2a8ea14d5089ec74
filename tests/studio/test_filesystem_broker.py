"""The embedded broker never hands a worker half a message.

kombu's filesystem transport creates a message file under its final name and writes it after; a
worker listing the folder in between took the empty file and stopped on it (celery/kombu#1551),
which took down `make run`, and the message was gone. With kombu's own transport, the race below
loses a few hundred of 3,000 messages here; with ours, none."""

import multiprocessing
import time
from queue import Empty
from typing import Any

import pytest
from kombu import Connection

from studio.celery import app, broker_transport

OURS = "studio.filesystem_broker:Transport"
MESSAGES = 3000


def _connection(folder: str) -> Connection:
    options = {"data_folder_in": folder, "data_folder_out": folder, "store_processed": False}
    return Connection("filesystem://", transport=OURS, transport_options=options)


def _read_all(folder: str, ready: Any, results: Any) -> None:
    """Another process, as a worker is: take messages as fast as they appear."""
    numbers: list[int] = []
    errors: list[str] = []
    deadline = time.monotonic() + 60
    with _connection(folder) as connection:
        channel = connection.default_channel
        ready.set()
        while len(numbers) + len(errors) < MESSAGES and time.monotonic() < deadline:
            try:
                numbers.append(channel._get("jobs")["n"])
            except Empty:
                continue
            except Exception as exc:  # what kombu's transport raises on a half-written file
                errors.append(repr(exc))
    results.put((numbers, errors))


def test_a_reader_racing_the_writer_gets_every_message_whole(tmp_path):
    folder = tmp_path / "broker"
    folder.mkdir()
    context = multiprocessing.get_context("spawn")
    ready, results = context.Event(), context.Queue()
    reader = context.Process(target=_read_all, args=(str(folder), ready, results))
    reader.start()
    try:
        assert ready.wait(timeout=60), "the reader did not start"
        with _connection(str(folder)) as connection:
            channel = connection.default_channel
            for n in range(MESSAGES):
                channel._put("jobs", {"n": n, "body": "x" * 20_000})
        numbers, errors = results.get(timeout=90)
    finally:
        reader.join(timeout=10)
    assert errors == []
    assert sorted(numbers) == list(range(MESSAGES))
    assert list(folder.iterdir()) == []  # nothing half-written left behind


@pytest.mark.defaults
def test_the_filesystem_broker_uses_it():
    assert broker_transport("filesystem://") == OURS
    assert broker_transport("redis://127.0.0.1:6379/9") is None
    if app.conf.broker_url.startswith("filesystem://"):
        with app.connection_for_write() as connection:
            assert type(connection.transport).__module__ == "studio.filesystem_broker"


def test_it_has_no_host_to_warn_about(tmp_path, caplog):
    """kombu warned "No hostname was supplied" on every connection (every 30 s in make run)."""
    with _connection(str(tmp_path)) as connection:
        connection.info()
    assert "No hostname" not in caplog.text


def _put_over_the_file_size_limit(folder: str, results: Any) -> None:
    """In a process that may write files of 10 kB at most (as a full disk refuses a write)."""
    import resource
    import signal

    from kombu.exceptions import ChannelError

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (10_000, 10_000))
    with _connection(folder) as connection:
        try:
            connection.default_channel._put("jobs", {"body": "x" * 20_000})
        except ChannelError as exc:
            results.put(str(exc))
        else:
            results.put("")


def test_a_message_that_cannot_be_written_leaves_nothing_behind(tmp_path):
    folder = tmp_path / "broker"
    folder.mkdir()
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    writer = context.Process(target=_put_over_the_file_size_limit, args=(str(folder), results))
    writer.start()
    error = results.get(timeout=60)
    writer.join(timeout=10)
    assert error.startswith("Cannot add file")
    assert list(folder.iterdir()) == []  # no half-written .partial file
