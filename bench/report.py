"""Run every Lambda benchmark and write docs/benchmarks.md.

    make bench                              # or: uv run python bench/report.py
    make bench BENCH_BASELINE=<git ref>     # also the cold start of that commit, same run

    # A smoke run of every step, written elsewhere (its figures mean nothing):
    uv run python bench/report.py --runs 1 --rounds 1 --per-round 5 --output /tmp/b.md

Starts a private PostgreSQL cluster of its own (bench/cluster.py: the machine's
PostgreSQL binaries, a free port, TLS), and stops it when done, whatever happens.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cluster as clusters
from bench import cold_start, database, warm
from bench.driver import BASE_OPERATIONS, CONDITIONAL_OPERATIONS

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"
BUNDLE = ROOT / "build" / "lambda"
# The five operations the reference, the targets and the tricks' rules look at.
OPERATIONS = BASE_OPERATIONS
# Every operation of the shipped setups: those five, then their conditional twins.
ALL_OPERATIONS = (*BASE_OPERATIONS, *CONDITIONAL_OPERATIONS)
# The FastAPI + SQLModel + Mangum reference, measured on the same kind of machine.
REFERENCE: dict[str, Any] = {
    "cold_start_s": 1.0,
    "per_second": {
        "list (100 rows)": "165",
        "get": "250",
        "create": "100 to 215",
        "update": "140 to 170",
        "delete": "240 to 320",
    },
    "statements": {"list (100 rows)": 3, "get": 3, "create": 6, "update": 7, "delete": 4},
    "bundle_mib": (88, 36),
}
# What this template aims for against the reference: a cold start under 0.45 s, at least
# 1.5 times the reference's warm throughput (its best figure), at most two statements
# for any base request, and a zipped bundle under 18 MiB. The conditional operations
# have budgets of their own: a conditional update or delete sends what its plain twin
# does; a create with a new key may also claim the key and store the todo with it (at
# most 4 statements, BEGIN and COMMIT included).
TARGETS: dict[str, Any] = {
    "cold_start_s": 0.45,
    "per_second": {"list (100 rows)": 248, "get": 375, "create": 323, "update": 255, "delete": 480},
    "statements": {
        "list (100 rows)": 2,
        "get": 1,
        "create": 1,
        "update": 2,
        "delete": 1,
        "create (Idempotency-Key)": 4,
        "update (If-Match)": 2,
        "delete (If-Match)": 1,
    },
    "zipped_mib": 18,
}
# The warm setups the tables show, by column.
WARM_COLUMNS = {
    "deployed pool": "deployed path, pool mode (the default on Lambda)",
    "deployed request": "deployed path, request mode",
    "database_url pool": "`DATABASE_URL`, pool mode",
    "database_url request": "`DATABASE_URL`, request mode",
}
HEADLINE = "deployed pool"
# A trick stays while it is this much faster (percent), where its rule looks.
MARGIN = 15


@dataclass(frozen=True)
class Trick:
    """A speed trick of the app, the variant without it, and the rule it must pass."""

    name: str
    where: str
    without: str  # the warm setup that runs the app without it
    without_label: str
    rule: str
    passes: Callable[[dict[str, float], dict[str, int], dict[str, int]], bool]


TRICKS = (
    Trick(
        "`LambdaASGIHandler`",
        "config/aws_lambda/django_asgi.py",
        "deployed pool stock handler",
        "Django's stock `ASGIHandler`",
        f"kept only if it is more than {MARGIN} % faster on at least three of the five operations",
        lambda gain, sent, sent_without: sum(g > MARGIN for g in gain.values()) >= 3,
    ),
    Trick(
        "`_raw_delete`",
        "`DjangoRepository.delete`, core/resources/orm.py",
        "deployed pool queryset delete",
        "`QuerySet.delete()`",
        f"kept only if delete is more than {MARGIN} % faster, or sends fewer statements",
        lambda gain, sent, sent_without: (
            gain["delete"] > MARGIN or sent["delete"] < sent_without["delete"]
        ),
    ),
)


def bundle_sizes() -> tuple[float, float]:
    """Build the arm64 bundle and its zip; return their sizes in MiB."""
    subprocess.run(
        [sys.executable, "scripts/build_lambda_bundle.py", "--zip", f"--output={BUNDLE}"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    unzipped = sum(p.stat().st_size for p in BUNDLE.rglob("*") if p.is_file())
    zipped = BUNDLE.with_suffix(".zip").stat().st_size
    return unzipped / 2**20, zipped / 2**20


def machine(server: str) -> str:
    """Describe the machine the figures come from."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}; "
        f"Python {platform.python_version()}; PostgreSQL {server} on loopback"
    )


def faster_by(with_it: list[float], without: list[float]) -> float:
    """Return how much faster, in percent, batches with a trick ran than those without:
    the median of the round-by-round ratios, as the two ran seconds apart."""
    ratios = [spent_without / spent for spent, spent_without in zip(with_it, without, strict=True)]
    return (statistics.median(ratios) - 1) * 100


def cold_start_section(cold: dict[str, Any]) -> list[str]:
    """Return the cold start section."""
    runs, times = cold["runs"], cold["apps"]
    labels = {
        "deployed": "deployed path: `DB_HOST`, IAM token, TLS `verify-full`",
        "restored": "deployed path, restored: `after_restore` and the first request only"
        " (`before_snapshot` ran untimed; Lambda's `Restore Duration` not included)",
        "database_url": "`DATABASE_URL`, plain TCP",
        "calibration": "calibration app (no database)",
    }
    baseline = cold["baseline"]
    if baseline:
        labels["baseline"] = (
            f"baseline `{baseline['ref']}` ({baseline['commit'][:10]}), deployed path"
        )
    lines = [
        "## Cold start",
        "",
        "Wall time from spawning a fresh interpreter on the Lambda bundle (built for this"
        f" machine, with bytecode, as the zip ships it; {cold['python']}) to the first"
        " response through the handler: import `config.aws_lambda.handler`, then"
        " `GET /dev/api/todos` signed in (a page of 100 todos, the user's own). The bearer"
        " token is issued once per run, before any clock starts, by the same bundle (a"
        " user registered and signed in through the handler); the user's 100 todos are"
        " the whole table. A fresh instance verifies the token with a signing key it"
        " must first read from the database: one SELECT, part of what is measured. The"
        " headline is the deployed path: the function's own environment (`DB_HOST`,"
        " `DB_PORT`, `DB_NAME`, `DB_USER`, `AWS_REGION`, fake AWS credentials,"
        " `AWS_LAMBDA_FUNCTION_NAME`; no `DATABASE_URL`), so the first connection signs"
        " an IAM token with the standard library (core/postgresql/iam_token.py) and"
        " completes a TLS handshake verified against the RDS authorities, with the"
        " benchmark cluster's own authority appended (`DB_SSLROOTCERT`). A copy of the"
        " runtime's botocore sits on the path as on Lambda; every run checks that it was"
        " not loaded and that the connection's password is an IAM token. The server"
        " trusts the token (no password round trip, which Aurora adds). The same runs,"
        " interleaved, start the bundle with a `DATABASE_URL`, and a calibration app:"
        " what `django-admin startproject` writes plus one Ninja endpoint that reads no"
        " database, behind Mangum over Django's stock ASGI handler.",
        "",
        "The restored row plays a SnapStart restore in one process: the handler is"
        " imported and `snapstart.before_snapshot(handler)` runs (the warm-up on the"
        " in-memory adapters, then connections and credentials let go), untimed, as"
        " Lambda runs it before taking the snapshot; then the clock starts, the event is"
        " sent, and the process runs `snapstart.after_restore()` and the handler. It is"
        " not Lambda's restore: loading the snapshot (the `Restore Duration` Lambda"
        " reports) is not measured here, and on Lambda it comes on top of this.",
        "",
        "| | median | min | max |",
        "| --- | --- | --- | --- |",
        *(
            f"| {label}, {runs} runs | {times[key]['median_s']:.3f} s"
            f" | {times[key]['min_s']:.3f} s | {times[key]['max_s']:.3f} s |"
            for key, label in labels.items()
        ),
        f"| reference (FastAPI + SQLModel, measured before) | {REFERENCE['cold_start_s']:.1f} s"
        " | | |",
        "",
        f"Restored beside the plain cold start, same runs: {times['restored']['median_s']:.3f} s"
        f" against {times['deployed']['median_s']:.3f} s in median time, before Lambda's"
        " own restore.",
        "",
    ]
    if baseline:
        before, after = times["baseline"]["median_s"], times["deployed"]["median_s"]
        ref = baseline["ref"]
        lines += [
            f"This tree vs `{ref}`, same runs: {after:.3f} s against {before:.3f} s"
            f" ({(after / before - 1) * 100:+.1f} % in median time). Between them lie"
            f" {baseline['commits_between']} commits (`git log --oneline {ref}..HEAD`), and"
            " the difference is theirs together, not any one change's."
            + (
                ""
                if baseline["accounts"]
                else " That commit predates accounts: its request verifies no token and"
                " its list has no owner filter (it ignores the Authorization header and"
                " lists the whole table, which holds the same 100 rows)."
            ),
            "",
        ]
    statements = cold["first_request_statements"]
    short = {"deployed": "deployed path", "restored": "deployed path, restored"}
    lines += [
        "What the first request of a fresh instance sends to the server, counted in the"
        " cluster's CSV log (`log_statement = all`) by its application name, in one more"
        " cold start of each:",
        "",
        "| | statements | what reached the server |",
        "| --- | --- | --- |",
        *(
            f"| {short[name]} | {counted['count']} | "
            + "; ".join(f"`{s}`" for s in counted["sent"])
            + " |"
            for name, counted in statements.items()
        ),
        "",
    ]
    imports = cold["imports"]
    lines += [
        "Where the deployed path's import time goes: one more run under"
        f" `python -X importtime`, {imports['total_ms']:.0f} ms of imports in all"
        " (slower than without the flag). The 15 modules with the largest self time:",
        "",
        "| module | self ms |",
        "| --- | --- |",
        *(f"| `{m['name']}` | {m['ms']} |" for m in imports["modules"]),
        "",
        "And summed by top-level package:",
        "",
        "| package | self ms |",
        "| --- | --- |",
        *(f"| `{p['name']}` | {p['ms']} |" for p in imports["packages"]),
        "",
    ]
    return lines


def warm_section(results: dict[str, Any]) -> list[str]:
    """Return the warm throughput section."""
    setups = results["setups"]
    return [
        "## Warm invocations per second",
        "",
        "One process per setup, one invocation at a time, through"
        " `config.aws_lambda.handler.handler` with REST API events; each setup signs up"
        " a user of its own through the handler, sends that user's bearer token with"
        " every call, and creates the user's 100 todos through the API (what a round"
        " creates it deletes, so every list finds 100). The median of"
        f" {results['rounds']} batches of {results['per_round']} invocations per operation,"
        " the batches of every setup (the variants below included) interleaved. The"
        " deployed path connects as the function does (`DB_HOST`, IAM token, TLS); while"
        " other setups run their batches the server's idle timeout is off"
        " (`DB_POOL_IDLE_TIMEOUT=0`), as a busy instance never idles. The last three"
        " operations are the conditional ones: a create with a fresh `Idempotency-Key`"
        " each call, and an update and a delete with `If-Match` naming the todo's current"
        " `ETag`.",
        "",
        "For scale, the calibration app (`bench/plain_app`, no database) answered"
        f" {setups['calibration']['per_second']['hello']} invocations per second in the"
        " same run.",
        "",
        f"| operation | {' | '.join(WARM_COLUMNS.values())} | reference |",
        "| --- |" + " --- |" * (len(WARM_COLUMNS) + 1),
        *(
            f"| {op} | "
            + " | ".join(str(setups[key]["per_second"][op]) for key in WARM_COLUMNS)
            + f" | {REFERENCE['per_second'].get(op, '—')} |"
            for op in ALL_OPERATIONS
        ),
        "",
    ]


def conditional_section(results: dict[str, Any]) -> list[str]:
    """Return the section that sets each conditional operation beside its plain twin."""
    shipped = results["setups"][HEADLINE]
    rows = []
    for conditional, plain in CONDITIONAL_OPERATIONS.items():
        # How much longer a batch with the header took than one without, round by round.
        longer = faster_by(shipped["batch_seconds"][plain], shipped["batch_seconds"][conditional])
        rows.append(
            f"| {plain} | {shipped['per_second'][plain]}"
            f" | {shipped['per_second'][conditional]} | {longer:+.0f} %"
            f" | {shipped['statements'][plain]['count']}"
            f" | {shipped['statements'][conditional]['count']} |"
        )
    return [
        "## Conditional requests and idempotent creates, same run",
        "",
        "Each operation with and without its header, on the deployed path in pool mode"
        " (from the tables above and below): a create with a fresh `Idempotency-Key`"
        " each call (checked not to be replayed), an update and a delete with `If-Match`"
        " naming the todo's current `ETag` (taken from the answers, never from the JSON,"
        ' which has no version). "Time per call" is how much longer a call with the'
        " header took than one without: the median, over the rounds, of the ratio between"
        " the two operations' batches of one round, which ran seconds apart (as for the"
        " tricks below; positive is slower). Statements are counted at the server.",
        "",
        "| operation | without the header, per second | with it, per second"
        " | time per call, with against without | statements without | statements with |",
        "| --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
    ]


def trick_verdicts(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Return each trick's figures with and without it, and whether it passes its rule."""
    setups = results["setups"]
    shipped = setups[HEADLINE]
    verdicts = []
    for trick in TRICKS:
        without = setups[trick.without]
        gain = {
            op: faster_by(shipped["batch_seconds"][op], without["batch_seconds"][op])
            for op in OPERATIONS
        }
        sent = {op: shipped["statements"][op]["count"] for op in OPERATIONS}
        sent_without = {op: without["statements"][op]["count"] for op in OPERATIONS}
        verdicts.append(
            {
                "trick": trick,
                "with": shipped["per_second"],
                "without": without["per_second"],
                "gain": gain,
                "sent": sent,
                "sent_without": sent_without,
                "kept": trick.passes(gain, sent, sent_without),
            }
        )
    return verdicts


def tricks_section(results: dict[str, Any]) -> list[str]:
    """Return the section that sets each speed trick beside what it replaces."""
    lines = [
        "## Each speed trick, with and without, same run",
        "",
        "Warm invocations per second on the deployed path in pool mode, as above; the"
        " variant without the trick is set up by the benchmark process (bench/warm.py),"
        ' never by a switch in the app. "Faster by" is the median, over the rounds, of'
        " the ratio between the two setups' batches of that round, which ran seconds"
        " apart; statements are counted at the server (below).",
        "",
    ]
    for verdict in trick_verdicts(results):
        trick = verdict["trick"]
        lines += [
            f"### {trick.name} ({trick.where})",
            "",
            f"| operation | with it | {trick.without_label} | faster by |"
            " statements with it | statements without |",
            "| --- | --- | --- | --- | --- | --- |",
            *(
                f"| {op} | {verdict['with'][op]} | {verdict['without'][op]}"
                f" | {verdict['gain'][op]:+.0f} % | {verdict['sent'][op]}"
                f" | {verdict['sent_without'][op]} |"
                for op in OPERATIONS
            ),
            "",
            f"Rule: {trick.rule}. In this run: **{'kept' if verdict['kept'] else 'fails'}**.",
            "",
        ]
    return lines


def statements_section(results: dict[str, Any]) -> list[str]:
    """Return the statements-per-request section."""
    setups = results["setups"]
    return [
        "## SQL statements per request, counted at the server",
        "",
        "From the benchmark cluster's CSV log, with `log_statement = all`, by the"
        " application name each setup's connections carry: transaction control and"
        " anything sent while connecting are counted too. A count of zero would stop the"
        " benchmark.",
        "",
        f"| operation | {' | '.join(WARM_COLUMNS.values())} | reference |"
        " what reached the server (deployed, pool) |",
        "| --- |" + " --- |" * (len(WARM_COLUMNS) + 2),
        *(
            f"| {op} | "
            + " | ".join(str(setups[key]["statements"][op]["count"]) for key in WARM_COLUMNS)
            + f" | {REFERENCE['statements'].get(op, '—')} | "
            + "; ".join(f"`{s}`" for s in setups[HEADLINE]["statements"][op]["sent"])
            + " |"
            for op in ALL_OPERATIONS
        ),
        "",
    ]


def check_measured(results: dict[str, Any]) -> None:
    """Stop unless every figure the report shows was measured: no setup, operation,
    statement count or cold start missing, and none of them zero.

    :raises SystemExit: naming the first figure missing.
    """
    cold, setups = results["cold"], results["warm"]["setups"]
    needed = ["deployed", "restored", "database_url", "calibration"]
    needed += ["baseline"] if cold["baseline"] else []
    for app in needed:
        if not cold["apps"].get(app, {}).get("median_s"):
            raise SystemExit(f"No cold start of {app} was measured.")
    for app in ("deployed", "restored"):
        if not cold["first_request_statements"].get(app, {}).get("count"):
            raise SystemExit(f"No statement of {app}'s first request was counted.")
    if not cold["imports"]["modules"]:
        raise SystemExit("The import profile is empty.")
    if not setups.get("calibration", {}).get("per_second", {}).get("hello"):
        raise SystemExit("The calibration app was not measured warm.")
    wanted = {key: ALL_OPERATIONS for key in WARM_COLUMNS}
    wanted |= {trick.without: OPERATIONS for trick in TRICKS}
    for key, operations in wanted.items():
        for op in operations:
            setup = setups.get(key, {})
            if not setup.get("per_second", {}).get(op):
                raise SystemExit(f"{key}: no warm figure for {op}.")
            if not setup.get("statements", {}).get(op, {}).get("count"):
                raise SystemExit(f"{key}: no statement counted for {op}.")


def render(results: dict[str, Any]) -> str:
    """Return the Markdown report."""
    unzipped, zipped = results["bundle"]
    lines = [
        "# Benchmarks",
        "",
        f"Measured {results['date']} on {results['machine']}, by `make bench`"
        " (`bench/report.py`), which wrote this page; every figure on it comes from that"
        " one run. The database is a private PostgreSQL cluster the run starts and stops"
        " (bench/cluster.py), with TLS. The reference is a FastAPI + SQLModel + Mangum"
        " version of the same API measured on the same kind of machine.",
        "",
        *cold_start_section(results["cold"]),
        *warm_section(results["warm"]),
        *conditional_section(results["warm"]),
        *tricks_section(results["warm"]),
        *statements_section(results["warm"]),
        "## Bundle",
        "",
        "`make bundle` (`scripts/build_lambda_bundle.py --zip`): arm64, Python 3.13.",
        "",
        "| | ours | reference |",
        "| --- | --- | --- |",
        f"| unzipped | {unzipped:.1f} MiB | {REFERENCE['bundle_mib'][0]} MiB |",
        f"| zipped | {zipped:.1f} MiB | {REFERENCE['bundle_mib'][1]} MiB |",
        "",
        *against_targets(results),
    ]
    return "\n".join(lines)


def against_targets(results: dict[str, Any]) -> list[str]:
    """Return the section that sets each figure beside its target."""
    setups = results["warm"]["setups"]
    headline = setups[HEADLINE]["per_second"]
    cold = results["cold"]["apps"]["deployed"]["median_s"]

    def most_statements(operation: str) -> int:
        return int(max(setups[key]["statements"][operation]["count"] for key in WARM_COLUMNS))

    rows = [
        (
            "cold start, deployed path (median)",
            f"under {TARGETS['cold_start_s']} s",
            f"{cold:.3f} s",
            cold < TARGETS["cold_start_s"],
        ),
        *(
            (
                f"{op} per second (deployed path, pool mode)",
                f"at least {target}",
                f"{headline[op]}",
                headline[op] >= target,
            )
            for op, target in TARGETS["per_second"].items()
        ),
        *(
            (
                f"statements per call, {op} (any path or mode)",
                f"at most {budget}",
                str(most_statements(op)),
                most_statements(op) <= budget,
            )
            for op, budget in TARGETS["statements"].items()
        ),
        (
            "zipped bundle",
            f"under {TARGETS['zipped_mib']} MiB",
            f"{results['bundle'][1]:.1f} MiB",
            results["bundle"][1] < TARGETS["zipped_mib"],
        ),
    ]
    return [
        "## Against the targets",
        "",
        "| figure | target | measured | met |",
        "| --- | --- | --- | --- |",
        *(
            f"| {name} | {target} | {value} | {'yes' if met else 'no'} |"
            for name, target, value, met in rows
        ),
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--baseline",
        default=os.environ.get("BENCH_BASELINE") or None,
        help="a git commit whose cold start to time beside this tree's, in the same runs",
    )
    parser.add_argument("--runs", type=int, default=21, help="cold starts of each app")
    parser.add_argument("--rounds", type=int, default=warm.ROUNDS, help="warm batches per op")
    parser.add_argument("--per-round", type=int, default=warm.PER_ROUND, help="calls per batch")
    parser.add_argument("--output", type=Path, default=REPORT, help="where to write the page")
    args = parser.parse_args()
    with clusters.running() as cluster:
        database.prepare(cluster)
        results: dict[str, Any] = {
            "date": datetime.date.today().isoformat(),
            "machine": machine(cluster.version()),
            "cold": cold_start.measure(cluster, runs=args.runs, baseline=args.baseline),
            "warm": warm.measure(cluster, rounds=args.rounds, per_round=args.per_round),
        }
    results["bundle"] = bundle_sizes()
    check_measured(results)
    args.output.write_text(render(results))
    printable = {**results, "verdicts": trick_verdicts(results["warm"])}
    for verdict in printable["verdicts"]:
        verdict["trick"] = verdict["trick"].name
    print(json.dumps(printable, indent=2, default=str))
    print(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
