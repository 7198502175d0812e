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

import argparse
import datetime
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "only-for-timing-keyed-creates")
os.environ["LOG_LEVEL"] = "ERROR"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

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
    from config.composition import adapters
    from core.identity import services
    from core.identity.tokens import issue_access_token
    from core.resources import holders

    if connection.vendor != "postgresql":
        raise SystemExit("Needs PostgreSQL: set DATABASE_URL=postgres://...")
    password = secrets.token_urlsafe(16)
    user = services.register(adapters, email="bench@example.com", password=password)
    token = issue_access_token(
        adapters.keys, adapters.token_policy, user_id=user.id, now=adapters.clock()
    )
    client = Client(headers={"Authorization": f"Bearer {token}"})
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--per-round", type=int, default=100)
    parser.add_argument("--write", type=Path, help="write the page here too")
    arguments = parser.parse_args()
    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        results = measure(arguments.rounds, arguments.per_round)
        if any(not rates or min(rates) <= 0 for rates in results.values()):
            raise SystemExit("a variant measured nothing")
        page = render(results, arguments.rounds, arguments.per_round)
    finally:
        connection.close()
        teardown_databases(databases, verbosity=0)
    print(page)
    if arguments.write:
        arguments.write.write_text(page)


if __name__ == "__main__":
    main()
