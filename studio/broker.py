"""What the studio asks of the broker beyond sending tasks: what it holds, how deep its queues
are, publishing that survives an outage, and bringing back the messages of workers that died.

With late acknowledgement, a message stays in Redis' `unacked` set while a worker runs its task.
If the worker is killed (SIGKILL, OOM, a lost host), kombu puts the message back only after the
visibility timeout, which has to be longer than the longest render, i.e. hours. This sweep asks
the live workers which tasks they hold, and requeues every unacknowledged message older than
``min_age`` that no live worker holds. It runs on beat, so a killed worker's job is back on its
queue within ``min_age`` + the beat interval.

A worker too busy to answer the inspection would have its message requeued too: that is a
duplicate delivery, which every task tolerates because it is idempotent on its job's id.
"""

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from celery import Celery
from celery.worker import state as worker_state
from celery.worker.control import inspect_command
from celery.worker.request import Request
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


@contextmanager
def unless_broker_down(what: str) -> Iterator[None]:
    """Publish inside this block. Where the broker cannot be reached (kombu has given up
    retrying), log it and go on: the rows that wanted the messages are committed, and the
    reconcilers send them once the broker is back. A request that queued work, committed
    already, does not fail for an outage."""
    try:
        yield
    except OperationalError as exc:
        logger.warning("The broker cannot be reached; %s wait for the reconciler: %s", what, exc)


@inspect_command()
def held_task_ids(state: Any, **kwargs: Any) -> list[str]:
    """A remote control command each worker answers: the ids of every task it holds, running,
    reserved or waiting for its ETA. Celery's `active`, `reserved` and `scheduled` report the
    same in three replies, each a full timeout of waiting for them; this is one."""
    held = {request.id for request in worker_state.reserved_requests}  # the active ones too
    held.update(request.id for request in worker_state.active_requests)
    for waiting in state.consumer.timer.schedule.queue:  # ETA and countdown tasks
        args = getattr(waiting.entry, "args", None) or ()
        if args and isinstance(args[0], Request):
            held.add(args[0].id)
    return sorted(held)


def _held_task_ids(celery_app: Celery, timeout: float) -> set[str]:
    held: set[str] = set()
    for reply in celery_app.control.broadcast("held_task_ids", reply=True, timeout=timeout) or []:
        for ids in reply.values():
            if isinstance(ids, list):  # a worker without the command answers with an error
                held.update(ids)
    return held


def orphaned_messages_restore(
    *, celery_app: Celery, min_age: float, inspect_timeout: float = 2.0
) -> list[str]:
    """Requeue unacknowledged messages that no live worker holds; returns their task ids."""
    if not str(celery_app.conf.broker_url).startswith(("redis://", "rediss://")):
        return []  # the filesystem broker has no unacked set; the job reconcilers cover it
    if min_age <= inspect_timeout:
        raise ValueError("min_age must exceed the inspection timeout")
    restored: list[str] = []
    with celery_app.connection_for_write() as connection:
        channel: Any = connection.default_channel
        client = channel.client
        old_tags = client.zrangebyscore(channel.unacked_index_key, 0, time.time() - min_age)
        if not old_tags:
            return restored  # the usual case: no need to wait for the workers' answers
        held = _held_task_ids(celery_app, inspect_timeout)
        for tag in old_tags:
            raw = client.hget(channel.unacked_key, tag)
            if raw is None:  # acknowledged meanwhile
                continue
            message, _exchange, _routing_key = json.loads(raw)
            task_id = (message.get("headers") or {}).get("id", "")
            if task_id in held:
                continue
            channel.qos.restore_by_tag(tag, client)
            restored.append(task_id)
    return restored


def _redis_lists(channel: Any, queues: tuple[str, ...]) -> list[tuple[str, int, str]]:
    """(queue, priority step, Redis key) of every list a queue is split into by priority."""
    return [
        (q, step, channel._q_for_pri(q, step)) for q in queues for step in channel.priority_steps
    ]


def _task_id(raw: bytes | str) -> str:
    try:
        message = json.loads(raw)
    except ValueError:
        return ""
    if isinstance(message, list):  # an unacked entry: [message, exchange, routing key]
        message = message[0]
    return str((message.get("headers") or {}).get("id", ""))


def broker_task_ids(*, celery_app: Celery, queues: tuple[str, ...]) -> set[str] | None:
    """The ids of every task the broker holds for ``queues``: waiting, delivered but not yet
    acknowledged, and held by a live worker. None where the broker cannot be asked, in which case
    nobody may conclude that a message is lost."""
    url = str(celery_app.conf.broker_url)
    ids: set[str] = set()
    if url.startswith(("redis://", "rediss://")):
        with celery_app.connection_for_write() as connection:
            channel: Any = connection.default_channel
            client = channel.client
            for _queue, _step, key in _redis_lists(channel, queues):
                ids.update(_task_id(raw) for raw in client.lrange(key, 0, -1))
            ids.update(_task_id(raw) for raw in client.hvals(channel.unacked_key))
    elif url.startswith("filesystem://"):
        folder = Path(celery_app.conf.broker_transport_options["data_folder_in"])
        for path in folder.glob("*.msg"):
            if path.name.partition(".")[2].removesuffix(".msg") in queues:
                try:
                    ids.add(_task_id(path.read_bytes()))
                except FileNotFoundError:  # taken by a worker meanwhile
                    continue
    else:
        return None
    return ids | _held_task_ids(celery_app, timeout=1.0)


def queue_depths(*, celery_app: Celery, queues: tuple[str, ...]) -> dict[str, dict[int, int]]:
    """Messages waiting per queue and priority step (the filesystem broker has one step)."""
    url = str(celery_app.conf.broker_url)
    depths: dict[str, dict[int, int]] = {q: {} for q in queues}
    if url.startswith(("redis://", "rediss://")):
        with celery_app.connection_for_write() as connection:
            channel: Any = connection.default_channel
            for queue, step, key in _redis_lists(channel, queues):
                depths[queue][step] = int(channel.client.llen(key))
    elif url.startswith("filesystem://"):
        folder = Path(celery_app.conf.broker_transport_options["data_folder_in"])
        for queue in queues:
            depths[queue][0] = sum(1 for _ in folder.glob(f"*.{queue}.msg"))
    return depths
