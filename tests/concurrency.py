"""Real concurrency for tests that commit (`django_db(transaction=True)`): each callable runs in its
own thread and database connection, all released together by a barrier."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def run_together(*work: Callable[[], object]) -> list[object]:
    """Run the callables at once; return what each returned (or the exception it raised), in order."""
    barrier = threading.Barrier(len(work))
    outcomes: list[object] = [None] * len(work)

    def run(index: int, fn: Callable[[], object]) -> None:
        try:
            barrier.wait()
            outcomes[index] = fn()
        except Exception as error:  # noqa: BLE001 — handed back to the test, which asserts on it
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, fn)) for index, fn in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
