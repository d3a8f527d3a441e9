"""Benchmarks: `python -m benchmarks [name …]` prints operation, size, time, rate.

Each benchmark is a function registered with @benchmark; it sets up what it needs inside a
transaction that is rolled back, and returns (size, seconds) for the timed part only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Result:
    operation: str
    size: int
    unit: str
    seconds: float

    @property
    def rate(self) -> float:
        return self.size / self.seconds if self.seconds else float("inf")


REGISTRY: dict[str, Callable[[], Result]] = {}


def benchmark(name: str):
    def register(fn):
        REGISTRY[name] = fn
        return fn

    return register


def table(results: list[Result]) -> str:
    rows = [("operation", "size", "time", "rate")]
    rows += [(r.operation, f"{r.size:,} {r.unit}", f"{r.seconds:.3f} s", f"{r.rate:,.0f} {r.unit}/s")
             for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)
