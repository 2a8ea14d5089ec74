"""Bring back the messages of workers that died.

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
import time
from typing import Any

from celery import Celery


def _held_task_ids(celery_app: Celery, timeout: float) -> set[str]:
    inspector = celery_app.control.inspect(timeout=timeout)
    held: set[str] = set()
    for tasks in (inspector.active() or {}).values():
        held.update(task["id"] for task in tasks)
    for tasks in (inspector.reserved() or {}).values():
        held.update(task["id"] for task in tasks)
    for scheduled in (inspector.scheduled() or {}).values():  # ETA tasks a worker holds
        held.update(entry["request"]["id"] for entry in scheduled)
    return held


def orphaned_messages_restore(
    *, celery_app: Celery, min_age: float, inspect_timeout: float = 2.0
) -> list[str]:
    """Requeue unacknowledged messages that no live worker holds; returns their task ids."""
    if not str(celery_app.conf.broker_url).startswith(("redis://", "rediss://")):
        return []  # the filesystem broker has no unacked set; the job reconcilers cover it
    if min_age <= inspect_timeout:
        raise ValueError("min_age must exceed the inspection timeout")
    held = _held_task_ids(celery_app, inspect_timeout)
    restored: list[str] = []
    with celery_app.connection_for_write() as connection:
        channel: Any = connection.default_channel
        client = channel.client
        ceiling = time.time() - min_age
        for tag in client.zrangebyscore(channel.unacked_index_key, 0, ceiling):
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
