"""Benchmarks: `python -m benchmarks [--json FILE] [name …]` prints a ratio table.

Each benchmark is a function registered with @benchmark; it sets up what it needs inside a
transaction that is rolled back (or, where the work must find its data committed and vacuumed as
in real use, commits it and removes it afterwards), and returns one Result (or a list) for the
timed part only.

Absolute times differ 2–3× between machines; what holds from machine to machine is the ratio to
the **floor**: the same amount of work done the cheapest way possible (raw SQL, a minimal
WeasyPrint document, the cheapest HTTP endpoint), measured in the same run. A row with a target
ratio is marked when it is over it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass
class Result:
    operation: str
    size: int
    unit: str
    seconds: float
    floor: float | None = None  # seconds for the same work done the cheapest way, same run
    floor_label: str = ""  # what the floor is ("raw COPY", "/healthz p95" …)
    target: float | None = None  # the highest acceptable seconds / floor
    failed: str = ""  # why the row could not be measured

    @property
    def rate(self) -> float:
        return self.size / self.seconds if self.seconds else float("inf")

    @property
    def ratio(self) -> float | None:
        return self.seconds / self.floor if self.floor else None

    @property
    def over_target(self) -> bool:
        return bool(self.failed) or (self.target is not None and self.ratio is not None and self.ratio > self.target)

    def as_dict(self) -> dict:
        return asdict(self) | {"rate": self.rate, "ratio": self.ratio, "over_target": self.over_target}


REGISTRY: dict[str, Callable[[], Result | list[Result]]] = {}


def benchmark(name: str):
    def register(fn):
        REGISTRY[name] = fn
        return fn

    return register


def _cells(r: Result) -> tuple[str, ...]:
    if r.failed:
        return (r.operation, f"{r.size:,} {r.unit}", "-", "-", "-", "-", "-", f"FAILED: {r.failed}")
    floor = f"{r.floor:.3f} s ({r.floor_label})" if r.floor else "-"
    ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "-"
    target = f"≤ {r.target:g}×" if r.target is not None else "-"
    mark = "OVER TARGET" if r.over_target else ("ok" if r.target is not None else "")
    rate = f"{r.rate:,.0f}" if r.rate >= 100 else f"{r.rate:.1f}"  # a few documents a second: one decimal
    return (r.operation, f"{r.size:,} {r.unit}", f"{r.seconds:.3f} s", f"{rate} {r.unit}/s", floor, ratio,
            target, mark)


def table(results: list[Result]) -> str:
    rows = [("operation", "size", "time", "rate", "floor", "ratio", "target", "")]
    rows += [_cells(r) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def as_json(results: list[Result]) -> str:
    return json.dumps([r.as_dict() for r in results], indent=2)
