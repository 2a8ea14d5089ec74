import threading

from django.db import connection

from studio.errors import StudioError


def race(*works) -> list[str]:
    """Run ``works`` at the same moment, each in its own connection; what each came to: "done",
    a StudioError's message, or any other error by its type and text (a deadlock, say)."""
    barrier, outcomes = threading.Barrier(len(works)), [""] * len(works)

    def run(n: int) -> None:
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
    for thread in threads:
        thread.join()
    return outcomes


def lock_waiters() -> int:
    """How many other connections wait for a row lock now (read afresh: inside a transaction,
    PostgreSQL keeps its first snapshot of the activity view)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]
