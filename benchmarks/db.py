"""Helpers of the database-bound benchmarks: an operation and its floor measured in turns on the
same rows, and the tables' dead rows cleared around a rolled-back run."""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection, transaction

ROUNDS = 5  # turns of (operation, floor); the median turn is kept


@contextmanager
def rolled_back() -> Iterator[None]:
    """A transaction undone at its end: a benchmark's set-up and timed work leave nothing behind."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def timed_undone(fn: Callable[[], object]) -> float:
    """Seconds `fn` takes, inside a savepoint that is rolled back afterwards."""
    savepoint = transaction.savepoint()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        transaction.savepoint_rollback(savepoint)


def median_turn(operation: Callable[[], object], floor: Callable[[], object], rounds: int = ROUNDS
                ) -> tuple[float, float]:
    """(seconds of `operation`, seconds of its `floor`) of the median turn: each of `rounds` turns
    runs the two back to back, each inside a savepoint rolled back afterwards, which goes first
    alternating; the turn kept is the one whose ratio is the median of the turns' ratios. The
    machine is shared: a disturbance either hits both halves of a turn or makes one turn an
    outlier that the median leaves aside (the best time of each, taken from different turns,
    would pair a lucky floor with an unlucky operation). The floor goes first in the first turn:
    a rolled-back run leaves dead row versions that the next one steps over, so the first run has
    the cleanest table, and that advantage is the floor's."""
    turns = []
    for turn in range(rounds):
        times = {}
        for fn in (floor, operation) if turn % 2 == 0 else (operation, floor):
            times[fn] = timed_undone(fn)
        turns.append((times[operation], times[floor]))
    turns.sort(key=lambda pair: pair[0] / pair[1])
    return turns[len(turns) // 2]


def vacuum(*tables: str) -> None:
    """Clear the dead rows a rolled-back benchmark leaves (outside any transaction), so that the
    next run scans the same table sizes instead of a growing pile of dead rows."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")  # constant table names


def checkpoint() -> None:
    """Write out what a large set-up left in memory before measuring, so that the server's own
    background writing does not land inside one timed turn and not another. Needs a superuser
    or pg_checkpoint; without either, the measurements go on without it."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError:
        pass
