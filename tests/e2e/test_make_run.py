"""The README's run command starts web, worker and beat on the embedded defaults with demo data."""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e, pytest.mark.defaults, pytest.mark.timeout(400)]


def free_port(wanted: int = 0) -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", wanted))
        return sock.getsockname()[1]


def readme_port_or_free() -> tuple[int, dict[str, str]]:
    """The README's port with PORT unset, so the default is what is tested; another one, set in
    PORT, only where something else holds it."""
    try:
        return free_port(8000), {}
    except OSError:
        port = free_port()
        return port, {"PORT": str(port)}


def wait_http(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                return response.status == 200
        except OSError:
            time.sleep(1)
    return False


def test_make_run_serves_the_seeded_studio_with_a_worker_and_beat(tmp_path, page):
    port, port_env = readme_port_or_free()
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "SECRET_KEY",
            "DEBUG",
            "SECURE_SSL_REDIRECT",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "PORT",
        }
    }
    env.update(STUDIO_VAR_DIR=str(tmp_path / "var"), **port_env)
    log = (tmp_path / "run.log").open("w")
    process = subprocess.Popen(
        ["make", "run"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_http(f"{base}/login/", 300), (tmp_path / "run.log").read_text()[-3000:]
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", "aurel-stylist")
        page.fill("input[name=password]", "twin-studio-demo")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        assert "8 garments in the catalogue" in page.inner_text("main")

        ping = subprocess.run(
            [str(ROOT / ".venv/bin/celery"), "-A", "studio", "inspect", "ping", "--timeout", "5"],
            cwd=ROOT,
            env={**env, "DEBUG": "1"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "pong" in ping.stdout, ping.stdout + ping.stderr
        var = tmp_path / "var"
        deadline = time.monotonic() + 30
        while not list(var.glob("celerybeat-schedule*")) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert list(var.glob("celerybeat-schedule*")), "beat did not open its schedule"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
    output = (tmp_path / "run.log").read_text()
    assert "web.1" in output and "worker.1" in output and "beat.1" in output
