"""What a provider's `bench.py` declares for the benchmark harness (benchmarks/run.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    """One operation to load: a request that answers `status` on every server measured."""

    name: str
    method: str
    path: str  # below the provider's prefix
    headers: dict[str, str]
    body: str | None
    status: int
    # Where the body holds UNIQUE, each request sends a value no other request of the run
    # sent (a fresh merchant reference, so every create is a new resource, not a replay).


UNIQUE = "{unique}"
