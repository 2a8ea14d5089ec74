"""The settings read from the environment, with the embedded defaults when nothing is set.
Each case runs in a fresh interpreter, because settings are read once per process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.defaults

PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
from studio.celery import app
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "broker": app.conf.broker_url,
    "transport": app.conf.broker_transport_options,
    "storage": settings.STORAGES["default"]["BACKEND"],
    "media_root": str(settings.MEDIA_ROOT),
    "secret_key": settings.SECRET_KEY,
    "accept": app.conf.accept_content,
    "serializer": app.conf.task_serializer,
    "acks_late": app.conf.task_acks_late,
    "reject_on_worker_lost": app.conf.task_reject_on_worker_lost,
    "prefetch": app.conf.worker_prefetch_multiplier,
    "queues": sorted(q.name for q in app.conf.task_queues),
    "beat": sorted(app.conf.beat_schedule),
    "gpu_route": app.amqp.router.route({}, "campaigns.tasks.render_job_run_task")["queue"].name,
    "cpu_route": app.amqp.router.route({}, "campaigns.tasks.asset_finalize_task")["queue"].name,
    "default_route": app.amqp.router.route({}, "studio.tasks.sessions_clear_task")["queue"].name,
    "estimates": settings.RENDER_ESTIMATE_SECONDS,
    "lockout": [settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds()],
}))
"""

# What a fresh production process would not have: the test run's own settings, and the
# DJANGO_ALLOW_ASYNC_UNSAFE that the e2e tests set for Playwright's event loop.
ENV_KEYS = (
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "DEBUG",
    "AWS_STORAGE_BUCKET_NAME",
    "SECURE_SSL_REDIRECT",
    "TRUSTED_PROXIES",
)


def run(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return run_command([sys.executable, "-c", code], tmp_path, **env)


def run_command(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    clean.update(
        {
            "STUDIO_VAR_DIR": str(tmp_path / "var"),
            "DJANGO_SETTINGS_MODULE": "studio.settings",
            **env,
        }
    )
    return subprocess.run(
        args,
        env=clean,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_embedded_defaults_with_nothing_set(tmp_path):
    result = run(PRINT_SETTINGS, tmp_path, DEBUG="1")
    assert result.returncode == 0, result.stderr
    conf = json.loads(result.stdout)
    var = tmp_path / "var"
    assert conf["engine"] == "django.db.backends.sqlite3"
    assert conf["db_name"] == str(var / "studio.sqlite3")
    assert conf["broker"] == "filesystem://"
    transport = conf["transport"]
    assert transport["data_folder_in"] == transport["data_folder_out"] == str(var / "broker/data")
    assert transport["control_folder"] == str(var / "broker/control")
    assert Path(transport["control_folder"]).is_absolute()
    assert transport["polling_interval"] <= 0.1
    assert conf["storage"] == "django.core.files.storage.FileSystemStorage"
    assert conf["media_root"] == str(var / "media")
    # The development key is generated once and then reused.
    key_file = var / "secret_key"
    assert conf["secret_key"] == key_file.read_text().strip()
    assert len(conf["secret_key"]) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    again = json.loads(run(PRINT_SETTINGS, tmp_path, DEBUG="1").stdout)
    assert again["secret_key"] == conf["secret_key"]
    assert conf["estimates"] == {"preview": 0.3, "diffusers": 2.1, "null": 0.01}
    assert conf["lockout"] == [5, 900]  # five wrong passwords, then 15 minutes


def test_celery_is_json_only_at_least_once_and_routed(tmp_path):
    conf = json.loads(run(PRINT_SETTINGS, tmp_path, DEBUG="1").stdout)
    assert (conf["accept"], conf["serializer"]) == (["json"], "json")
    assert conf["acks_late"] is True and conf["reject_on_worker_lost"] is True
    assert conf["prefetch"] == 1
    assert conf["queues"] == ["cpu", "default", "gpu"]
    assert (conf["gpu_route"], conf["cpu_route"], conf["default_route"]) == (
        "gpu",
        "cpu",
        "default",
    )
    assert "sessions-clear-expired" in conf["beat"]


def test_production_services_from_the_environment(tmp_path):
    result = run(
        PRINT_SETTINGS,
        tmp_path,
        SECRET_KEY="k" * 60,
        DATABASE_URL="postgres://studio:pw@db.internal:5432/studio",
        CELERY_BROKER_URL="redis://redis.internal:6379/0",
        CELERY_VISIBILITY_TIMEOUT="43200",
        AWS_STORAGE_BUCKET_NAME="studio-media",
        RENDER_ESTIMATE_SECONDS='{"diffusers": 9.5, "tryon": 4}',
        LOGIN_FAILURE_LIMIT="8",
        LOGIN_LOCKOUT_MINUTES="60",
    )
    assert result.returncode == 0, result.stderr
    conf = json.loads(result.stdout)
    assert conf["lockout"] == [8, 3600]
    # A farm of slower cards plans budgets with its own figures; the others keep theirs.
    assert conf["estimates"] == {"preview": 0.3, "diffusers": 9.5, "null": 0.01, "tryon": 4}
    assert conf["engine"] == "django.db.backends.postgresql"
    assert conf["db_name"] == "studio"
    assert conf["broker"] == "redis://redis.internal:6379/0"
    assert conf["transport"]["visibility_timeout"] == 43200
    # A killed worker's message is looked for every 10 s, not every ~100 s.
    assert (
        conf["transport"]["unacked_restore_interval"]
        * conf["transport"]["unacked_restore_throttle"]
        <= 10
    )
    assert conf["storage"] == "storages.backends.s3.S3Storage"


def test_a_render_estimate_that_is_not_a_positive_number_stops_the_start(tmp_path):
    for bad in ('{"diffusers": "fast"}', '{"diffusers": 0}', '{"diffusers": null}'):
        result = run(
            "import django; django.setup()", tmp_path, DEBUG="1", RENDER_ESTIMATE_SECONDS=bad
        )
        assert result.returncode != 0
        assert "seconds per render is a positive number" in result.stderr


def test_a_sign_in_lockout_of_nothing_stops_the_start(tmp_path):
    for name in ("LOGIN_FAILURE_LIMIT", "LOGIN_LOCKOUT_MINUTES"):
        result = run("import django; django.setup()", tmp_path, DEBUG="1", **{name: "0"})
        assert result.returncode != 0
        assert "LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES are at least 1" in result.stderr


def test_without_debug_the_studio_refuses_to_serve_without_a_secret_key(tmp_path):
    """The web process, the worker and beat refuse to start; Django refuses any use of the
    empty key; commands that need none, such as makemigrations, still run."""
    web = run("import studio.wsgi", tmp_path)
    assert web.returncode != 0 and "SECRET_KEY is not set" in web.stderr
    use = run(
        "import django; django.setup(); from django.conf import settings; settings.SECRET_KEY",
        tmp_path,
    )
    assert use.returncode != 0 and "SECRET_KEY setting must not be empty" in use.stderr
    celery = [sys.executable, "-m", "celery", "-A", "studio"]
    for command in (
        ["worker", "--pool", "solo", "-Q", "default"],
        ["beat", "-s", str(tmp_path / "beat")],
    ):
        started = run_command([*celery, *command], tmp_path)
        assert started.returncode == 1, started.stderr[-2000:]
        assert "SECRET_KEY is not set" in started.stdout + started.stderr
    assert not (tmp_path / "var" / "secret_key").exists()
    migrations = run_command(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"], tmp_path
    )
    assert migrations.returncode == 0, migrations.stderr
    assert "No changes detected" in migrations.stdout


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={
            **{k: v for k, v in os.environ.items() if k not in ENV_KEYS},
            "STUDIO_VAR_DIR": str(tmp_path / "var"),
            "SECRET_KEY": "a-long-random-production-secret-" + "x9Z!" * 12,
            "ALLOWED_HOSTS": "studio.example.com",
            "DATABASE_URL": "postgres://studio@127.0.0.1:5432/studio",
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_trusted_proxies_are_counted_from_the_environment(tmp_path):
    read = "import django; django.setup(); from django.conf import settings; "
    read += "print(settings.TRUSTED_PROXIES)"
    assert run(read, tmp_path, DEBUG="1").stdout.strip() == "0"
    assert run(read, tmp_path, DEBUG="1", TRUSTED_PROXIES="2").stdout.strip() == "2"
    refused = run("import django; django.setup()", tmp_path, DEBUG="1", TRUSTED_PROXIES="-1")
    assert refused.returncode != 0 and "TRUSTED_PROXIES is a number of proxies" in refused.stderr
