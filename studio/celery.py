"""The Celery app: three queues, routing by task, JSON only, at-least-once delivery.

Jobs are tracked in the database, which is the truth; the broker only carries wake-ups. Every
task is idempotent on its job's id, so the at-least-once settings below (late ack, requeue on a
lost worker) never do harm, and a periodic reconciler re-sends what the broker lost.
"""

import os
from typing import Any

from celery import Celery, signals
from celery.schedules import crontab
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

app = Celery("studio")

QUEUES = ("gpu", "cpu", "default")

# Tasks go to a queue by name; anything not listed runs on `default` (publishing, notifications,
# reconcilers). Later apps add their patterns here so that routing is read in one place.
TASK_ROUTES: dict[str, dict[str, str]] = {
    "twins.tasks.twin_version_train_task": {"queue": "gpu"},
    "campaigns.tasks.render_job_run_task": {"queue": "gpu"},
    "*.thumbnail_*": {"queue": "cpu"},
    "*.capture_photo_check_task": {"queue": "cpu"},
    "campaigns.tasks.render_thumbnail_task": {"queue": "cpu"},
    "campaigns.tasks.asset_finalize_task": {"queue": "cpu"},
}

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # With the orphan age of 30 s, a killed worker's job is back on its queue within a minute.
    "broker-orphans-restore": {
        "task": "studio.tasks.broker_orphans_restore_task",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    # Jobs the broker lost are re-sent, dead workers' jobs requeued or failed, stuck cancels ended.
    "render-jobs-reconcile": {
        "task": "campaigns.tasks.render_jobs_reconcile_task",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    # Capture checks and trainings the broker lost are sent again.
    "twins-reconcile": {
        "task": "twins.tasks.twins_reconcile_task",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    "licenses-expire": {
        "task": "twins.tasks.license_expire_task",
        "schedule": crontab(minute=1),
        "options": {"expires": 3000},
    },
    "sessions-clear-expired": {
        "task": "studio.tasks.sessions_clear_task",
        "schedule": crontab(minute=17, hour=3),
    },
}


def broker_options(broker_url: str, var_broker_dir: str, visibility_timeout: int) -> dict[str, Any]:
    if broker_url.startswith("filesystem://"):
        # One folder for data in and out, and an absolute control folder: with these, revoke,
        # ping and groups work with a real worker (measured with kombu 5.7).
        data = os.path.join(var_broker_dir, "data")
        control = os.path.join(var_broker_dir, "control")
        for folder in (data, control):
            os.makedirs(folder, exist_ok=True)
        return {
            "data_folder_in": data,
            "data_folder_out": data,
            "control_folder": control,
            "polling_interval": 0.05,
            "store_processed": False,
        }
    if broker_url.startswith(("redis://", "rediss://")):
        return {
            # Redelivery of an unacked message waits for this; keep it above the longest job.
            "visibility_timeout": visibility_timeout,
            # Sweep for messages of dead workers every 10 s instead of every ~100 s (defaults
            # 10 s × throttle 10), so a message comes back promptly once it is eligible.
            "unacked_restore_interval": 10,
            "unacked_restore_throttle": 1,
            "socket_timeout": 30,
            "socket_connect_timeout": 10,
            "health_check_interval": 25,
        }
    return {}


def broker_transport(broker_url: str) -> str | None:
    """kombu's transport for the URL's scheme, but for the filesystem broker ours, which writes
    each message whole before a worker can see it (studio/filesystem_broker.py)."""
    return "studio.filesystem_broker:Transport" if broker_url.startswith("filesystem://") else None


def configure(celery_app: Celery) -> None:
    from django.conf import settings

    celery_app.conf.update(
        broker_url=settings.CELERY_BROKER_URL,
        broker_transport=broker_transport(settings.CELERY_BROKER_URL),
        broker_transport_options=broker_options(
            settings.CELERY_BROKER_URL, str(settings.BROKER_DIR), settings.CELERY_VISIBILITY_TIMEOUT
        ),
        broker_connection_retry_on_startup=True,
        result_backend=None,
        task_ignore_result=True,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        event_serializer="json",
        task_queues=[Queue(name, routing_key=name) for name in QUEUES],
        task_default_queue="default",
        task_default_routing_key="default",
        task_routes=(TASK_ROUTES,),
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        # Celery's event stream (for Flower) costs a publish per task and state change; the
        # studio reads jobs and workers from the database, so it is off unless asked for.
        worker_send_task_events=settings.CELERY_TASK_EVENTS,
        task_send_sent_event=settings.CELERY_TASK_EVENTS,
        task_always_eager=settings.CELERY_TASK_ALWAYS_EAGER,
        beat_schedule=BEAT_SCHEDULE,
        beat_schedule_filename=str(settings.VAR_DIR / "celerybeat-schedule"),
        timezone="UTC",
        enable_utc=True,
        # Celery's Django fixup closes the database connection around every task unless this is
        # set; with it, it recycles the connection every this many tasks, and between those
        # `_database_connections_tidy` applies Django's own rules (CONN_MAX_AGE, health checks).
        CELERY_DB_REUSE_MAX=1000,
    )


@signals.task_prerun.connect
@signals.task_postrun.connect
def _database_connections_tidy(task: Any, **kwargs: Any) -> None:
    """What Django does around each request, around each task on a worker: drop a connection
    that broke or outlived CONN_MAX_AGE, keep a good one. (A task run in-process, eagerly, runs in
    its caller's transaction: its connection is not ours to close.)"""
    from django.db import close_old_connections

    if not getattr(task.request, "is_eager", False):
        close_old_connections()


@signals.worker_init.connect
@signals.beat_init.connect
def _refuse_to_start_without_a_secret_key(**kwargs: Any) -> None:
    """Celery logs and swallows an error raised by a signal handler: SystemExit stops it."""
    from django.core.exceptions import ImproperlyConfigured

    from studio.secret import secret_key_require

    try:
        secret_key_require()
    except ImproperlyConfigured as exc:
        raise SystemExit(str(exc)) from None


configure(app)
app.autodiscover_tasks()

from studio import broker  # noqa: E402, F401  (workers answer its held_task_ids command)
