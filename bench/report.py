"""Run every Lambda benchmark and write docs/benchmarks.md.

    make bench                              # or: uv run python bench/report.py
    make bench BENCH_BASELINE=<git ref>     # also that commit, cold and warm, same run

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cluster as clusters
from bench import cold_start, database, generated, warm
from bench.driver import (
    ACCOUNT_OPERATIONS,
    ALL_OPERATIONS,
    BASE_OPERATIONS,
    CONDITIONAL_OPERATIONS,
)

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"
BUNDLE = ROOT / "build" / "lambda"
# The five operations the tricks' rules look at.
OPERATIONS = BASE_OPERATIONS
# What the design allows each operation to send, counted at the server (docs/sql-statements.md
# counts what Django sends; BEGIN and COMMIT show here too): a conditional update or
# delete sends what its plain twin does; a create with a new key may also claim the key
# and store the todo with it (at most 4, BEGIN and COMMIT included). Sign-in and refresh
# have no budget of their own here: their counts are shown beside the baseline's.
STATEMENT_BUDGETS = {
    "list (100 rows)": 1,
    "get": 1,
    "create": 1,
    "update": 2,
    "delete": 1,
    "create (Idempotency-Key)": 4,
    "update (If-Match)": 2,
    "delete (If-Match)": 1,
}
# The targets this template holds itself to, all against what runs in the same invocation:
# the cold start's first response and first list against the calibration app's first
# response, at most these times as long; a SnapStart-restored first response under this
# many seconds; warm, each operation at least as fast as the baseline, and the list this
# many times faster when the baseline is the commit before accounts.
COLD_FIRST_RESPONSE_RATIO = 1.2
COLD_FIRST_LIST_RATIO = 1.25
RESTORED_S = 0.030
WARM_RATIO = 1.0
LIST_RATIO, LIST_RATIO_BASELINE = 1.3, "3570ae0"
# A zipped bundle under this many MiB: Lambda's own limit is 50, and a smaller one loads
# faster; a budget of this design, not a measurement from elsewhere.
ZIPPED_MIB = 18
# The warm setups the tables show, by column.
WARM_COLUMNS = {
    "deployed pool": "deployed path, pool mode (the default on Lambda)",
    "deployed request": "deployed path, request mode",
    "database_url pool": "`DATABASE_URL`, pool mode",
    "database_url request": "`DATABASE_URL`, request mode",
}
HEADLINE = "deployed pool"
# This tree with a resource startresource wrote, run as HEADLINE runs todos, and what it runs.
GENERATED = "generated deployed pool"
GENERATED_OPERATIONS = (*BASE_OPERATIONS, *CONDITIONAL_OPERATIONS)
BASELINE = warm.BASELINE_SETUP.name
# A trick stays while it earns more than this (percent) on the operation it targets.
MARGIN = 15
NOT_MEASURED = "not measured in this run"


@dataclass(frozen=True)
class Trick:
    """A speed trick of the app, the variant without it, and the operations it targets."""

    name: str
    where: str
    without: str  # the warm setup that runs the app without it
    without_label: str
    targets: tuple[str, ...]  # judged on the median of its gains on these
    # The warm setup without the whole set of tricks this one earns its gain with ("" for
    # a trick that saves on its own): it stays if it, or its set, earns the margin.
    set_without: str = ""


# The six tricks of the shared resource code, which work together: each removes part
# of what a request spends between the database and the answer, so each one's share
# grows once the others are gone.
RESOURCE_SET = "deployed pool all stock"
TRICKS = (
    Trick(
        "`LambdaASGIHandler`",
        "config/aws_lambda/django_asgi.py",
        "deployed pool stock handler",
        "Django's stock `ASGIHandler`",
        # What it saves (thread hops) every request pays alike.
        OPERATIONS,
    ),
    Trick(
        "the request on the invoking thread",
        "`synchronously`, config/aws_lambda/django_asgi.py",
        "deployed pool thread hop",
        "one hop to a worker thread and back",
        OPERATIONS,  # two thread switches, every request alike
    ),
    Trick(
        "statements written once",
        "`DjangoRepository`, core/resources/orm.py",
        "deployed pool orm queries",
        "queries built by the ORM on every call",
        OPERATIONS,
        RESOURCE_SET,
    ),
    Trick(
        "`JsonWriter`",
        "core/answers.py",
        "deployed pool ninja answers",
        "Ninja validating and rendering",
        # What it saves grows with the answer: a page of 100; one entity's is small.
        ("list (100 rows)",),
        RESOURCE_SET,
    ),
    Trick(
        "the compiled timestamp loader",
        "core/postgresql/timestamps.py",
        "deployed pool django timestamps",
        "Django's timestamptz loader",
        ("list (100 rows)",),  # 200 timestamps a call; one row's two elsewhere
        RESOURCE_SET,
    ),
    Trick(
        "prepared statements",
        "`prepared_cursor`, core/postgresql/base.py",
        "deployed pool unprepared",
        "statements planned anew on every call",
        OPERATIONS,
        RESOURCE_SET,
    ),
    Trick(
        "entities restored as stored",
        "`restorer`, core/resources/domain.py",
        "deployed pool checked entities",
        "each entity built and checked by its constructor",
        ("list (100 rows)",),  # 100 entities a call; one elsewhere
        RESOURCE_SET,
    ),
    Trick(
        "timestamps formatted in one step",
        "`utc_timestamp`, core/schemas.py",
        "deployed pool isoformat timestamps",
        "`isoformat` and string edits",
        ("list (100 rows)",),  # 200 timestamps a call; two elsewhere
        RESOURCE_SET,
    ),
    Trick(
        "the six above, as a set",
        "core/resources/orm.py, core/answers.py, core/postgresql/timestamps.py,"
        " core/postgresql/base.py, core/resources/domain.py, core/schemas.py",
        RESOURCE_SET,
        "ORM queries, Ninja answers, Django's loader, no prepared statements,"
        " checked entities, `isoformat`",
        OPERATIONS,
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
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.machine()};"
        f" PostgreSQL {server} on loopback"
    )


def faster_by(with_it: list[float], without: list[float]) -> float:
    """Return how much faster, in percent, batches with a trick ran than those without:
    the median of the round-by-round ratios, as the two ran seconds apart."""
    ratios = [spent_without / spent for spent, spent_without in zip(with_it, without, strict=True)]
    return (statistics.median(ratios) - 1) * 100


def spread(with_it: list[float], without: list[float]) -> str:
    """Return the range, over the rounds, of how much faster batches with a trick (or
    this tree) ran than those without (or the baseline), in percent: the noise the
    median stands in."""
    ratios = [b / a for a, b in zip(with_it, without, strict=True)]
    return f"{(min(ratios) - 1) * 100:+.0f} to {(max(ratios) - 1) * 100:+.0f} %"


def times_as_long(runs: list[float], against: list[float]) -> float:
    """Return how many times as long `runs` took as `against`: the median of the ratios
    of runs that ran side by side (run n of each)."""
    return statistics.median(a / b for a, b in zip(runs, against, strict=True))


def fmt(ratio: float) -> str:
    """Return a ratio as the tables show it."""
    return f"{ratio:.2f}x"


COLD_LABELS = {
    "deployed": "first list, deployed path: `DB_HOST`, IAM token, TLS `verify-full`",
    "first response": "first response, deployed path: `GET /dev/api/health` (one `SELECT 1`)",
    "restored": "first list, deployed path, restored: `after_restore` and the first request"
    " only (`before_snapshot` ran untimed; Lambda's `Restore Duration` not included)",
    "database_url": "first list, `DATABASE_URL`, plain TCP",
    "calibration": "calibration app (no database)",
}


def cold_start_section(cold: dict[str, Any]) -> list[str]:
    """Return the cold start section."""
    runs, times, each = cold["runs"], cold["apps"], cold["run_seconds"]
    labels = dict(COLD_LABELS)
    baseline = cold["baseline"]
    if baseline:
        labels["baseline"] = (
            f"first list, baseline `{baseline['ref']}` ({baseline['commit'][:10]}), deployed path"
        )

    def against_calibration(key: str) -> str:
        if key == "calibration":
            return "1.00x"
        return fmt(times_as_long(each[key], each["calibration"]))

    lines = [
        "## Cold start",
        "",
        "Wall time from spawning a fresh interpreter on the Lambda bundle (built for this"
        f" machine, with bytecode, as the zip ships it; {cold['python']}) to the first"
        " response through the handler: import `config.aws_lambda.handler`, then one"
        " request. The first list is `GET /dev/api/todos` signed in (a page of 100 todos,"
        " the user's own); the first response is `GET /dev/api/health`, the lightest"
        " request that goes through the whole app to the database. The bearer"
        " token is issued once per run, before any clock starts, by the same bundle (a"
        " user registered and signed in through the handler); the user's 100 todos are"
        " the whole table. A fresh instance verifies the token with a signing key it"
        " must first read from the database: one SELECT, part of what is measured. The"
        " deployed path is the function's own environment (`DB_HOST`,"
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
        " database, behind Mangum over Django's stock ASGI handler: Django's own floor on"
        " this machine today.",
        "",
        "The restored row plays a SnapStart restore in one process: the handler is"
        " imported and `snapstart.before_snapshot(handler)` runs (the warm-up on the"
        " in-memory adapters, then connections and credentials let go), untimed, as"
        " Lambda runs it before taking the snapshot; then the clock starts, the event is"
        " sent, and the process runs `snapstart.after_restore()` and the handler. It is"
        " not Lambda's restore: loading the snapshot (the `Restore Duration` Lambda"
        " reports) is not measured here, and on Lambda it comes on top of this.",
        "",
        '"Against calibration" is the median, over the runs, of the ratio between the'
        " row's time and the calibration app's in the same run.",
        "",
        "| | median | min | max | against calibration |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {label}, {runs} runs | {times[key]['median_s']:.3f} s"
            f" | {times[key]['min_s']:.3f} s | {times[key]['max_s']:.3f} s"
            f" | {against_calibration(key)} |"
            for key, label in labels.items()
        ),
        "",
    ]
    if baseline:
        before, after = times["baseline"]["median_s"], times["deployed"]["median_s"]
        ref = baseline["ref"]
        lines += [
            f"This tree vs `{ref}`, same runs: a first list in {after:.3f} s against"
            f" {before:.3f} s ({fmt(times_as_long(each['deployed'], each['baseline']))} as"
            " long, median of the run-by-run ratios). The baseline's bundle is built from"
            " that commit's own tree by its own builder, and serves a database of its own,"
            " migrated by its own migrations. Between them lie"
            f" {baseline['commits_between']} commits (`git log --oneline {ref}..HEAD`), and"
            " the difference is theirs together, not any one change's."
            + (
                ""
                if baseline["accounts"]
                else " That commit predates accounts: its request verifies no token and"
                " its list has no owner filter (it is sent no token and lists the whole"
                " table, which holds the same 100 rows)."
            ),
            "",
        ]
    statements = cold["first_request_statements"]
    short = {"deployed": "deployed path", "restored": "deployed path, restored"}
    lines += [
        "What the first list of a fresh instance sends to the server, counted in the"
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
    signing_in = results["batch_calls"].get("sign in", 0)
    return [
        "## Warm invocations per second",
        "",
        "One process per setup, one invocation at a time, through the bundle's"
        " `config.aws_lambda.handler.handler` with REST API events, on the same Python"
        " as the cold starts; each setup signs up a user of its own through the handler,"
        " sends that user's bearer token with every call, and creates the user's 100"
        " todos through the API (what a round creates it deletes, so every list finds"
        f" 100). The median of {results['rounds']} batches of {results['per_round']}"
        f" invocations per operation ({signing_in} for a sign-in, which hashes a password"
        " with Argon2id), the batches of every setup (the variants and the baseline"
        " below included) interleaved: the list batch of every setup, then the get batch"
        " of every setup, and so on, each round in another order. The deployed path"
        " connects as the function does (`DB_HOST`, IAM token, TLS); while other setups"
        " run their batches the server's idle timeout is off (`DB_POOL_IDLE_TIMEOUT=0`),"
        " as a busy instance never idles. The conditional operations: a create with a"
        " fresh `Idempotency-Key` each call, and an update and a delete with `If-Match`"
        " naming the todo's current `ETag`. The account operations: a sign-in with the"
        " right password (which resets its address's count of failures, so the throttle"
        " never answers), and a refresh that spends the refresh token the previous one"
        " answered, one chain per setup.",
        "",
        "The machine is shared and its load changes from minute to minute, so a figure"
        " here means little beside one from another run; setups within this run compare"
        " fairly because their batches ran interleaved, seconds apart.",
        "",
        "For scale, the calibration app (`bench/plain_app`, no database) answered"
        f" {setups['calibration']['per_second']['hello']} invocations per second in the"
        " same run.",
        "",
        f"| operation | {' | '.join(WARM_COLUMNS.values())} |",
        "| --- |" + " --- |" * len(WARM_COLUMNS),
        *(
            f"| {op} | "
            + " | ".join(str(setups[key]["per_second"][op]) for key in WARM_COLUMNS)
            + " |"
            for op in ALL_OPERATIONS
        ),
        "",
    ]


def baseline_ratios(results: dict[str, Any]) -> dict[str, float | None]:
    """Return, by operation, how many times as fast this tree ran as the baseline (the
    median of the round-by-round ratios of their batches); None where the baseline did
    not run it. Empty without a baseline."""
    setups = results["setups"]
    if BASELINE not in setups:
        return {}
    ours, theirs = setups[HEADLINE]["batch_seconds"], setups[BASELINE]["batch_seconds"]
    return {
        op: (1 + faster_by(ours[op], theirs[op]) / 100) if op in theirs else None
        for op in ALL_OPERATIONS
    }


def baseline_section(results: dict[str, Any], baseline: dict[str, Any] | None) -> list[str]:
    """Return the section that sets this tree beside the baseline, warm."""
    lines = ["## This tree against the baseline, warm, same run", ""]
    if not baseline:
        return [
            *lines,
            "No baseline in this run (`make bench BENCH_BASELINE=<git ref>` adds one):"
            " the targets against it are not measured.",
            "",
        ]
    setups = results["setups"]
    ours, theirs = setups[HEADLINE], setups[BASELINE]
    ratios = baseline_ratios(results)
    ref = baseline["ref"]
    missing = [op for op in ALL_OPERATIONS if ratios[op] is None]
    lines += [
        f"`{ref}` ({baseline['commit'][:10]}), its bundle built from its own tree and"
        f" served by its own handler (`{baseline['handler']}.handler`), on a database of"
        " its own migrated by its own migrations, driven by this tree's driver code"
        " (bench/worker.py) exactly as the deployed path in pool mode drives this tree:"
        " `DB_HOST`, IAM token, TLS `verify-full`, pool mode, its batches interleaved with"
        ' the others. "This tree / baseline" is the median, over the rounds, of the'
        " ratio between the two setups' batches of one round (above 1: this tree is"
        " faster); it can differ from the ratio of the two medians, which come from"
        " different rounds. The range beside it is the lowest and highest of those"
        " round-by-round ratios: where it spans both signs, the run could not tell the"
        " two apart."
        + (
            ""
            if baseline["accounts"]
            else " That commit predates accounts: it is sent no token, and its list is"
            " the whole table, which holds its 100 rows."
        )
        + (f" It lacks {', '.join(missing)}: shown as —, not measured." if missing else ""),
        "",
        f"| operation | this tree, per second | `{ref}`, per second | this tree / baseline"
        " | faster by, round by round, lowest to highest"
        f" | statements, this tree | statements, `{ref}` |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *(
            f"| {op} | {ours['per_second'][op]}"
            f" | {theirs['per_second'].get(op, '—')}"
            f" | {fmt(ratios[op]) if ratios[op] is not None else '—'}"
            + (
                f" | {spread(ours['batch_seconds'][op], theirs['batch_seconds'][op])}"
                if ratios[op] is not None
                else " | —"
            )
            + f" | {ours['statements'][op]['count']}"
            f" | {theirs['statements'].get(op, {}).get('count', '—')} |"
            for op in ALL_OPERATIONS
        ),
        "",
    ]
    return lines


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


def generated_section(results: dict[str, Any]) -> list[str]:
    """Return the section that sets a resource startresource wrote beside todos."""
    setups = results["setups"]
    todos, ours = setups[HEADLINE], setups[GENERATED]
    plural = generated.PLURAL
    ratios = {
        op: 1 + faster_by(ours["batch_seconds"][op], todos["batch_seconds"][op]) / 100
        for op in GENERATED_OPERATIONS
    }
    sent = {
        op: (todos["statements"][op]["count"], ours["statements"][op]["count"])
        for op in GENERATED_OPERATIONS
    }
    differ = [
        f"{op} ({theirs} against {mine})" for op, (theirs, mine) in sent.items() if theirs != mine
    ]
    return [
        "## A generated resource against todos, warm, same run",
        "",
        f"`manage.py startresource {plural}` run in a copy of this tree (its files as"
        " they are, uncommitted changes included), with no hand edit, and the copy's"
        " bundle built as this tree's is (bench/generated.py); its migrations add the"
        " resource's table to the benchmark database. Its setup runs exactly as the"
        " deployed path in pool mode runs todos (`DB_HOST`, IAM token, TLS `verify-full`,"
        " pool mode), its batches interleaved with the others, and drives the"
        f" resource instead: a user of its own with 100 {plural}, the same operations"
        " under the same names (a create sends a `name`, an update changes it), each"
        " checked as the todos' are. Todos are written by hand (todos/api.py); a"
        " generated resource is core/resources/api.py's `owned_router` over"
        ' core/resources/orm.py. "Generated / todos" is the median, over the rounds,'
        " of the ratio between the two setups' batches of one round (above 1: the"
        " generated resource is faster), with the lowest and highest of those ratios"
        " beside it; statements are counted at the server, as below.",
        "",
        f"| operation | todos, per second | {plural}, per second | generated / todos"
        " | faster by, round by round, lowest to highest | statements, todos"
        f" | statements, {plural} |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *(
            f"| {op} | {todos['per_second'][op]} | {ours['per_second'][op]}"
            f" | {fmt(ratios[op])}"
            f" | {spread(ours['batch_seconds'][op], todos['batch_seconds'][op])}"
            f" | {sent[op][0]} | {sent[op][1]} |"
            for op in GENERATED_OPERATIONS
        ),
        "",
        f"Over these {len(GENERATED_OPERATIONS)} operations the median ratio is"
        f" {fmt(statistics.median(ratios.values()))}, from"
        f" {fmt(min(ratios.values()))} to {fmt(max(ratios.values()))}."
        + (
            " Every operation sends as many statements as its todos twin."
            if not differ
            else f" Statements per call differ (todos against {plural}): {', '.join(differ)}."
        ),
        "",
    ]


def trick_verdicts(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Return each trick's figures with and without it, its gain on the operations it
    targets, and whether it earns its place."""
    setups = results["setups"]
    shipped = setups[HEADLINE]
    verdicts = []
    for trick in TRICKS:
        without = setups[trick.without]
        gain = {
            op: faster_by(shipped["batch_seconds"][op], without["batch_seconds"][op])
            for op in OPERATIONS
        }
        on_target = statistics.median(gain[op] for op in trick.targets)
        rounds = len(shipped["batch_seconds"][trick.targets[0]])
        by_round = [
            (
                statistics.median(
                    without["batch_seconds"][op][n] / shipped["batch_seconds"][op][n]
                    for op in trick.targets
                )
                - 1
            )
            * 100
            for n in range(rounds)
        ]
        ranges = {
            op: spread(shipped["batch_seconds"][op], without["batch_seconds"][op])
            for op in OPERATIONS
        }
        together = None
        if trick.set_without:
            together = statistics.median(
                faster_by(
                    shipped["batch_seconds"][op], setups[trick.set_without]["batch_seconds"][op]
                )
                for op in trick.targets
            )
        verdicts.append(
            {
                "trick": trick,
                "together": together,
                "with": shipped["per_second"],
                "without": without["per_second"],
                "gain": gain,
                "spread": ranges,
                "on_target": on_target,
                "on_target_range": (min(by_round), max(by_round)),
                "sent": {op: shipped["statements"][op]["count"] for op in OPERATIONS},
                "sent_without": {op: without["statements"][op]["count"] for op in OPERATIONS},
                # With its set, it must still add something of its own: a share of
                # nothing would ride on the others' gain.
                "kept": on_target > MARGIN
                or (together is not None and together > MARGIN and on_target > 0),
            }
        )
    return verdicts


def tricks_section(results: dict[str, Any]) -> list[str]:
    """Return the section that sets each speed trick beside what it replaces."""
    lines = [
        "## Each speed trick, with and without, same run",
        "",
        "Warm invocations per second on the deployed path in pool mode, as above; the"
        " variant without the trick is set up by the benchmark (bench/worker.py), never"
        ' by a switch in the app. "Faster by" is the median, over the rounds, of the'
        " ratio between the two setups' batches of that round, which ran seconds apart;"
        " statements are counted at the server (below).",
        "",
        f"The rule: a trick stays when it earns more than {MARGIN} % on the operation it"
        " targets, alone or together with the tricks it works with. `LambdaASGIHandler`"
        " and serving the request on the invoking thread save on their own, whatever"
        " the others do. The six tricks of the shared"
        " resource code work together: each is measured alone (the app without it, the"
        " others in place: its share) and as the set (the app without all six, against"
        " their stock twins).",
        "",
    ]
    for verdict in trick_verdicts(results):
        trick = verdict["trick"]
        targets = (
            "every request (the median of its gains on the five operations)"
            if trick.targets == OPERATIONS
            else ", ".join(trick.targets)
        )
        lines += [
            f"### {trick.name} ({trick.where})",
            "",
            f"| operation | with it | {trick.without_label} | faster by |"
            " round by round, lowest to highest | statements with it | statements without |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            *(
                f"| {op} | {verdict['with'][op]} | {verdict['without'][op]}"
                f" | {verdict['gain'][op]:+.0f} % | {verdict['spread'][op]}"
                f" | {verdict['sent'][op]}"
                f" | {verdict['sent_without'][op]} |"
                for op in OPERATIONS
            ),
            "",
            f"It targets {targets}: {verdict['on_target']:+.0f} % in this run"
            + (
                f" alone, {verdict['together']:+.0f} % with its set (the app without all"
                " six against the app with them, on the same operations)"
                if verdict["together"] is not None
                else ""
            )
            + ", so it"
            f" **{'earns its place' if verdict['kept'] else 'does not earn its place'}**"
            " in this run."
            + (
                " Round by round its gain there ranged from"
                f" {verdict['on_target_range'][0]:+.0f} to {verdict['on_target_range'][1]:+.0f} %,"
                f" on both sides of {MARGIN} %: this run cannot tell, and a quieter one"
                " should decide before the trick goes or stays."
                if verdict["on_target_range"][0] <= MARGIN <= verdict["on_target_range"][1]
                else ""
            ),
            "",
        ]
    return lines


def profile_section(results: dict[str, Any]) -> list[str]:
    """Return the section that says where a warm list's time goes."""
    found = results["list_profile"]
    parts = found["parts"]
    rest = 1 - sum(parts.values())
    return [
        "## Where a list's time goes",
        "",
        f"{found['calls']} more lists of 100 todos on the deployed path in pool mode, after"
        " the rounds (bench/worker.py `profile`). Unprofiled, a call took"
        f" {found['wall_ms']:.2f} ms, {found['django_ms']:.2f} ms of it in Django's request"
        " (the handler's `_respond`); the other"
        f" {found['wall_ms'] - found['django_ms']:.2f} ms are Mangum, the event loop, and the"
        " benchmark's building of the event and reading of the answer. The same calls again"
        " under cProfile, enabled inside the"
        " request only, say how that request divides (cProfile slows Python code more than"
        " C and the database, so these are shares of the profiled request, not times):",
        "",
        "| part of the request | share |",
        "| --- | ---: |",
        *(f"| {part} | {share * 100:.0f} % |" for part, share in parts.items()),
        f"| the rest: Django's and Ninja's own (middleware, routing, the query's parsing)"
        f" | {rest * 100:.0f} % |",
        "",
        "The functions with the most time of their own:",
        "",
        "| function | share of the request |",
        "| --- | ---: |",
        *(f"| `{row['function']}` | {row['share'] * 100:.1f} % |" for row in found["top"]),
        "",
    ]


def statements_section(results: dict[str, Any], baseline: dict[str, Any] | None) -> list[str]:
    """Return the statements-per-request section."""
    setups = results["setups"]
    columns = dict(WARM_COLUMNS)
    if baseline:
        columns[BASELINE] = f"baseline `{baseline['ref']}`, deployed path, pool mode"

    def count(key: str, op: str) -> str:
        return str(setups[key]["statements"].get(op, {}).get("count", "—"))

    return [
        "## SQL statements per request, counted at the server",
        "",
        "From the benchmark cluster's CSV log, with `log_statement = all`, by the"
        " application name each setup's connections carry: transaction control and"
        " anything sent while connecting are counted too. A count of zero stops the"
        " benchmark.",
        "",
        f"| operation | {' | '.join(columns.values())}"
        " | what reached the server (deployed, pool) |",
        "| --- |" + " --- |" * (len(columns) + 1),
        *(
            f"| {op} | "
            + " | ".join(count(key, op) for key in columns)
            + " | "
            + "; ".join(f"`{s}`" for s in setups[HEADLINE]["statements"][op]["sent"][:4])
            + (" …" if len(setups[HEADLINE]["statements"][op]["sent"]) > 4 else "")
            + " |"
            for op in ALL_OPERATIONS
        ),
        "",
    ]


def check_measured(results: dict[str, Any]) -> None:
    """Stop unless every figure the report shows was measured: no setup, operation,
    statement count or cold start missing, and none of them zero; the baseline runs
    every operation its features give it.

    :raises SystemExit: naming the first figure missing.
    """
    cold, setups = results["cold"], results["warm"]["setups"]
    needed = [*COLD_LABELS]
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
    wanted: dict[str, tuple[str, ...]] = {key: ALL_OPERATIONS for key in WARM_COLUMNS}
    wanted |= {trick.without: OPERATIONS for trick in TRICKS}
    wanted[GENERATED] = GENERATED_OPERATIONS
    if cold["baseline"]:
        wanted[BASELINE] = baseline_operations(cold["baseline"]["features"])
    for key, operations in wanted.items():
        setup = setups.get(key, {})
        for op in operations:
            if not setup.get("per_second", {}).get(op):
                raise SystemExit(f"{key}: no warm figure for {op}.")
            if not setup.get("statements", {}).get(op, {}).get("count"):
                raise SystemExit(f"{key}: no statement counted for {op}.")


def baseline_operations(features: dict[str, bool]) -> tuple[str, ...]:
    """Return the operations a baseline with these features must have run."""
    lacks = set()
    if not features["idempotency"]:
        lacks.add("create (Idempotency-Key)")
    if not features["etags"]:
        lacks |= {"update (If-Match)", "delete (If-Match)"}
    if not features["accounts"]:
        lacks |= set(ACCOUNT_OPERATIONS)
    return tuple(op for op in ALL_OPERATIONS if op not in lacks)


def render(results: dict[str, Any]) -> str:
    """Return the Markdown report."""
    unzipped, zipped = results["bundle"]
    baseline = results["cold"]["baseline"]
    lines = [
        "# Benchmarks",
        "",
        f"Measured {results['date']} on {results['machine']}; the app on"
        f" {results['cold']['python']}, by `{results['command']}`"
        " (`bench/report.py`), which wrote this page; every figure on it comes from that"
        " one run, and every comparison is with something measured in the same run: the"
        " calibration app (Django's own floor), the baseline commit, each speed trick's"
        " stock twin, todos for a generated resource. The database is a private"
        " PostgreSQL cluster the run starts and"
        " stops (bench/cluster.py), with TLS. The machine is shared with other work, so"
        " absolute figures are noisy; the setups ran interleaved, so those that ran"
        " side by side compare fairly."
        + (
            f" The machine's load average (1 minute) was {results['load'][0]:.1f} when"
            f" the run began and {results['load'][1]:.1f} when it ended, on"
            f" {os.cpu_count()} cores."
            if results.get("load")
            else ""
        ),
        "",
        *against_targets(results),
        *cold_start_section(results["cold"]),
        *warm_section(results["warm"]),
        *baseline_section(results["warm"], baseline),
        *conditional_section(results["warm"]),
        *generated_section(results["warm"]),
        *tricks_section(results["warm"]),
        *profile_section(results["warm"]),
        *statements_section(results["warm"], baseline),
        "## Bundle",
        "",
        "`make bundle` (`scripts/build_lambda_bundle.py --zip`): arm64, Python 3.13.",
        "",
        "| | size |",
        "| --- | --- |",
        f"| unzipped | {unzipped:.1f} MiB |",
        f"| zipped | {zipped:.1f} MiB |",
        "",
    ]
    return "\n".join(lines)


def verdict(met: bool | None) -> str:
    """Return how the targets table says whether a target was met."""
    return NOT_MEASURED if met is None else ("met" if met else "**not met**")


def against_targets(results: dict[str, Any]) -> list[str]:
    """Return the section that sets each figure beside its target, all within the run."""
    cold, warm_setups = results["cold"], results["warm"]["setups"]
    each, apps = cold["run_seconds"], cold["apps"]
    baseline = cold["baseline"]
    first = times_as_long(each["first response"], each["calibration"])
    first_list = times_as_long(each["deployed"], each["calibration"])
    restored = apps["restored"]["median_s"]
    calibration = apps["calibration"]["median_s"]
    rows: list[tuple[str, str, str, bool | None]] = [
        (
            "cold: first response, deployed path, against the calibration app",
            f"at most {COLD_FIRST_RESPONSE_RATIO}x",
            # Three places: at two, a ratio a hair over its target reads as the target.
            f"{first:.3f}x ({apps['first response']['median_s']:.3f} s against"
            f" {calibration:.3f} s)",
            first <= COLD_FIRST_RESPONSE_RATIO,
        ),
        (
            "cold: first list of todos, deployed path, against the calibration app",
            f"at most {COLD_FIRST_LIST_RATIO}x",
            f"{first_list:.3f}x ({apps['deployed']['median_s']:.3f} s against {calibration:.3f} s)",
            first_list <= COLD_FIRST_LIST_RATIO,
        ),
        (
            "cold: SnapStart-restored first list (median)",
            f"under {RESTORED_S * 1000:.0f} ms",
            f"{restored * 1000:.0f} ms",
            restored < RESTORED_S,
        ),
    ]
    ratios = baseline_ratios(results["warm"])
    ref = f"`{baseline['ref']}`" if baseline else "the baseline"
    for op in ALL_OPERATIONS:
        ratio = ratios.get(op)
        if not baseline:
            measured = "no baseline in this run"
        elif ratio is None:
            measured = f"{ref} has no {op}"
        else:
            measured = (
                f"{fmt(ratio)} ({warm_setups[HEADLINE]['per_second'][op]} against"
                f" {warm_setups[BASELINE]['per_second'][op]} per second; round by round"
                " "
                + spread(
                    warm_setups[HEADLINE]["batch_seconds"][op],
                    warm_setups[BASELINE]["batch_seconds"][op],
                )
                + ")"
            )
        rows.append(
            (
                f"warm: {op}, deployed path in pool mode, against {ref}",
                f"at least {WARM_RATIO}x",
                measured,
                None if ratio is None else ratio >= WARM_RATIO,
            )
        )
    list_ratio = ratios.get("list (100 rows)")
    against_3570ae0 = bool(baseline) and baseline["commit"].startswith(LIST_RATIO_BASELINE)
    rows.append(
        (
            f"warm: list (100 rows) against `{LIST_RATIO_BASELINE}` (before accounts)",
            f"at least {LIST_RATIO}x",
            (
                fmt(list_ratio)
                if against_3570ae0 and list_ratio is not None
                else f"the baseline is not {LIST_RATIO_BASELINE}"
            ),
            (list_ratio >= LIST_RATIO) if against_3570ae0 and list_ratio is not None else None,
        )
    )

    def most_statements(operation: str) -> int:
        return int(max(warm_setups[key]["statements"][operation]["count"] for key in WARM_COLUMNS))

    rows += [
        (
            f"statements per call, {op} (any path or mode)",
            f"at most {budget}",
            str(most_statements(op)),
            most_statements(op) <= budget,
        )
        for op, budget in STATEMENT_BUDGETS.items()
    ]
    rows.append(
        (
            "zipped bundle",
            f"under {ZIPPED_MIB} MiB",
            f"{results['bundle'][1]:.1f} MiB",
            results["bundle"][1] < ZIPPED_MIB,
        )
    )
    return [
        "## Against the targets",
        "",
        "Every target compares with a figure of this run: the calibration app, the"
        " baseline (`BENCH_BASELINE`), or a budget of the design (statements, bundle"
        f" size). A target with nothing to compare against in this run says"
        f' "{NOT_MEASURED}", never "met".',
        "",
        "| figure | target | measured | |",
        "| --- | --- | --- | --- |",
        *(f"| {name} | {target} | {value} | {verdict(met)} |" for name, target, value, met in rows),
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--baseline",
        default=os.environ.get("BENCH_BASELINE") or None,
        help="a git commit to measure beside this tree in the same runs, cold and warm",
    )
    parser.add_argument("--runs", type=int, default=21, help="cold starts of each app")
    parser.add_argument("--rounds", type=int, default=warm.ROUNDS, help="warm batches per op")
    parser.add_argument("--per-round", type=int, default=warm.PER_ROUND, help="calls per batch")
    parser.add_argument("--output", type=Path, default=REPORT, help="where to write the page")
    parser.add_argument(
        "--rerender",
        type=Path,
        metavar="RESULTS",
        help="measure nothing: write the page again from a run's results (its JSON)",
    )
    args = parser.parse_args()
    if args.rerender:
        rerendered = json.loads(args.rerender.read_text())
        check_measured(rerendered)
        args.output.write_text(render(rerendered))
        print(f"Wrote {args.output} from {args.rerender}")
        return
    command = "make bench" + (f" BENCH_BASELINE={args.baseline}" if args.baseline else "")
    if (args.runs, args.rounds, args.per_round) != (21, warm.ROUNDS, warm.PER_ROUND) or (
        args.output.resolve() != REPORT
    ):
        command = "uv run python bench/report.py " + " ".join(sys.argv[1:])
    load = os.getloadavg()[0]
    with clusters.running() as cluster:
        database.prepare(cluster)
        python = cold_start.lambda_python()
        cold_start.build_apps(python)
        generated.prepare(cluster, python)
        baseline = cold_start.prepare_baseline(cluster, python, args.baseline)
        results: dict[str, Any] = {
            "date": datetime.date.today().isoformat(),
            "machine": machine(cluster.version()),
            "command": command,
            "cold": cold_start.measure(cluster, runs=args.runs, baseline=baseline),
            "warm": warm.measure(
                cluster, rounds=args.rounds, per_round=args.per_round, baseline=baseline
            ),
        }
    results["bundle"] = bundle_sizes()
    results["load"] = [load, os.getloadavg()[0]]
    # Kept beside the page, so that its wording can change without measuring again.
    kept = ROOT / "build" / f"bench-results-{args.output.stem}.json"
    kept.write_text(json.dumps(results, indent=2, default=str))
    check_measured(results)
    args.output.write_text(render(results))
    printable = {**results, "verdicts": trick_verdicts(results["warm"])}
    for trick_verdict in printable["verdicts"]:
        trick_verdict["trick"] = trick_verdict["trick"].name
    print(json.dumps(printable, indent=2, default=str))
    print(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
