"""Helpers of the database-bound benchmarks: an operation and its floor measured in turns on the
same rows, and the tables' dead rows cleared around a rolled-back run."""

import time
from collections.abc import Callable

from django.db import connection, transaction

ROUNDS = 3  # turns of (operation, floor); the best of each is kept


def timed_undone(fn: Callable[[], object]) -> float:
    """Seconds `fn` takes, inside a savepoint that is rolled back afterwards."""
    savepoint = transaction.savepoint()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        transaction.savepoint_rollback(savepoint)


def best_in_turns(operation: Callable[[], object], floor: Callable[[], object], rounds: int = ROUNDS
                  ) -> tuple[float, float]:
    """(best seconds of `operation`, best seconds of `floor`), each run `rounds` times inside a
    savepoint rolled back afterwards, which of the two goes first alternating (the machine is
    shared: the best time is the one least disturbed by other work). The floor goes first: a
    rolled-back run leaves dead row versions that the next one steps over, so the first run has
    the cleanest table, and that advantage is the floor's."""
    times = {operation: [], floor: []}
    for turn in range(rounds):
        for fn in (floor, operation) if turn % 2 == 0 else (operation, floor):
            times[fn].append(timed_undone(fn))
    return min(times[operation]), min(times[floor])


def vacuum(*tables: str) -> None:
    """Clear the dead rows a rolled-back benchmark leaves (outside any transaction), so that the
    next run scans the same table sizes instead of a growing pile of dead rows."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")  # constant table names
