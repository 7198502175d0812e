"""Keyed creates per second with each way of naming an idempotency claim's holder.

The claim records the PostgreSQL session that made it (core/resources/holders.py). This
times keyed creates (`POST /api/todos` with a fresh `Idempotency-Key`) through Django's
full HTTP stack on PostgreSQL, in interleaved batches, with the shipped holder columns
(the session's pid and the statement's time) and with the alternative they replaced
(the session's own `backend_start`, read from pg_stat_activity).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/todo \\
        uv run python bench/claim_holder.py [--rounds 8] [--write docs/benchmarks-claim-holder.md]

It creates and drops a throwaway test database (`test_<name>`).
"""

from __future__ import annotations

import datetime
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.in_process import run, set_up, signed_in

set_up("timing-keyed-creates")

from django.db import connection  # noqa: E402

VARIANTS = {
    "shipped: pid and statement_timestamp()": {
        "holder_pid": "pg_backend_pid()",
        "holder_seen_at": "statement_timestamp()",
    },
    "the session's backend_start from pg_stat_activity": {
        "holder_pid": "pg_backend_pid()",
        "holder_seen_at": (
            "(SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid())"
        ),
    },
}


def measure(rounds: int, per_round: int) -> dict[str, list[float]]:
    """Return each variant's creates per second, batch by batch, interleaved."""
    from core.resources import holders

    _, client = signed_in()
    sent = 0

    def batch(count: int) -> float:
        nonlocal sent
        started = time.perf_counter()
        for _ in range(count):
            sent += 1
            answer = client.post(
                "/api/todos",
                '{"title": "Timed"}',
                content_type="application/json",
                headers={"Idempotency-Key": f"bench-{sent}"},
            )
            if answer.status_code != 201 or answer.has_header("Idempotent-Replayed"):
                raise SystemExit(f"not a new create: {answer.status_code}")
        return count / (time.perf_counter() - started)

    shipped = dict(holders.HOLDER)
    if shipped != next(iter(VARIANTS.values())):
        raise SystemExit("core/resources/holders.py no longer ships the first variant")
    results: dict[str, list[float]] = {name: [] for name in VARIANTS}
    batch(per_round // 2)  # warm-up, untimed
    try:
        for _ in range(rounds):
            for name, columns in VARIANTS.items():
                holders.HOLDER.clear()
                holders.HOLDER.update(columns)
                results[name].append(batch(per_round))
    finally:
        holders.HOLDER.clear()
        holders.HOLDER.update(shipped)
    return results


def render(results: dict[str, list[float]], rounds: int, per_round: int) -> str:
    """Return the results as a Markdown page."""
    today = datetime.date.today().isoformat()
    lines = [
        "# Naming an idempotency claim's holder",
        "",
        f"Measured {today} by `uv run python bench/claim_holder.py` on PostgreSQL"
        f" ({connection.cursor().connection.info.server_version}): keyed creates through"
        f" Django's HTTP stack, {rounds} interleaved batches of {per_round} per variant.",
        "",
        "| holder columns | creates per second (median) | batches |",
        "| --- | ---: | --- |",
    ]
    for name, rates in results.items():
        batches = ", ".join(f"{rate:.0f}" for rate in rates)
        lines.append(f"| {name} | {statistics.median(rates):.1f} | {batches} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    run(__doc__.splitlines()[0], measure, lambda results: list(results.values()), render)


if __name__ == "__main__":
    main()
