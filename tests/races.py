import threading
import time

from django.db import connection

from studio.errors import StudioError


def started(*works, together: bool = False) -> tuple[list[threading.Thread], list[str]]:
    """Start ``works``, each in its own connection (``together``: at the same moment); their
    outcomes, filled in as each ends: "done", a StudioError's message, or any other error by its
    type and text (a deadlock, say)."""
    barrier, outcomes = threading.Barrier(len(works)), [""] * len(works)

    def run(n: int) -> None:
        if together:
            barrier.wait()
        try:
            works[n]()
            outcomes[n] = "done"
        except StudioError as exc:
            outcomes[n] = exc.message
        except Exception as exc:
            outcomes[n] = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(works))]
    for thread in threads:
        thread.start()
    return threads, outcomes


def race(*works) -> list[str]:
    """Run ``works`` at the same moment, each in its own connection; what each came to."""
    threads, outcomes = started(*works, together=True)
    for thread in threads:
        thread.join()
    return outcomes


def waiting(count: int, *threads: threading.Thread) -> None:
    """Wait until ``count`` other connections wait for a lock, or until one of ``threads`` ended
    (it did not have to wait)."""
    for _ in range(250):
        if lock_waiters() == count or not all(thread.is_alive() for thread in threads):
            return
        time.sleep(0.02)
    raise AssertionError(f"{lock_waiters()} connections wait for a lock, not {count}")


def lock_waiters() -> int:
    """How many other connections wait for a lock (row, table or advisory) now (read afresh:
    inside a transaction, PostgreSQL keeps its first snapshot of the activity view)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]
