"""Run every Lambda benchmark and write docs/benchmarks.md.

    make bench        # or: uv run python bench/report.py

Needs PostgreSQL (BENCH_DATABASE_URL, default the local server's `todo_bench` database,
created if missing) and read access to the server's log (BENCH_SERVER_LOG to name it).
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from bench import cold_start, database, warm
from bench.warm import MODES

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"
BUNDLE = ROOT / "build" / "lambda"
# The FastAPI + SQLModel + Mangum reference, measured on the same kind of machine.
REFERENCE = {
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
# for any request, and a zipped bundle under 18 MiB.
TARGETS = {
    "cold_start_s": 0.45,
    "per_second": {"list (100 rows)": 248, "get": 375, "create": 323, "update": 255, "delete": 480},
    "statements": 2,
    "zipped_mib": 18,
}


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


def machine() -> str:
    """Describe the machine the figures come from."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    with psycopg.connect(database.database_url()) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    server = row[0] if row else "unknown"
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}; "
        f"Python {platform.python_version()}; PostgreSQL {server} on loopback"
    )


def render(results: dict[str, Any]) -> str:
    """Return the Markdown report."""
    cold, modes, (unzipped, zipped) = results["cold"], results["warm"], results["bundle"]
    ref = REFERENCE
    lines = [
        "# Benchmarks",
        "",
        f"Measured {results['date']} on {results['machine']}, by `make bench`"
        " (`bench/report.py`), which wrote this page. The reference is a FastAPI +"
        " SQLModel + Mangum version of the same API measured on the same kind of machine.",
        "",
        "## Cold start",
        "",
        "Wall time from spawning a fresh interpreter on the Lambda bundle (built for this"
        f" machine, with bytecode, as the zip ships it; {cold['python']}) to the first"
        " response through the handler: import `config.aws_lambda.handler`, then"
        " `GET /dev/api/todos` from PostgreSQL (a page of 100 todos). For scale, the same"
        " runs, interleaved, start a calibration app (`bench/plain_app`): what"
        " `django-admin startproject` writes plus one Ninja endpoint that reads no"
        " database, behind Mangum over Django's stock ASGI handler.",
        "",
        "| | median | min | max |",
        "| --- | --- | --- | --- |",
        *(
            f"| {label} | {cold[key]['median_s']:.3f} s | {cold[key]['min_s']:.3f} s"
            f" | {cold[key]['max_s']:.3f} s |"
            for key, label in (
                ("ours", f"this app, {cold['runs']} runs"),
                ("plain", f"calibration app, {cold['runs']} runs"),
            )
        ),
        f"| reference (FastAPI + SQLModel, measured before) | {ref['cold_start_s']:.1f} s | | |",
        "",
        "Import time by top-level package (`python -X importtime`, self time summed):",
        "",
        "| package | ms |",
        "| --- | --- |",
        *(f"| {p['package']} | {p['ms']} |" for p in cold["import_self_time_by_package"]),
        "",
        "## Warm invocations per second",
        "",
        "One process, one invocation at a time, through `config.aws_lambda.handler.handler` with"
        " REST API events, on a table of 100 todos; median of 5 rounds of 200 invocations.",
        "",
        "For scale, the calibration app (`bench/plain_app`, no database) answered"
        f" {modes['calibration_per_second']} invocations per second in the same run.",
        "",
        "| operation | pool mode (the default on Lambda) | request mode | reference |",
        "| --- | --- | --- | --- |",
        *(
            f"| {op} | {modes['pool']['per_second'][op]}"
            f" | {modes['request']['per_second'][op]} | {ref['per_second'][op]} |"
            for op in ref["per_second"]
        ),
        "",
        "## SQL statements per request, counted at the server",
        "",
        "From PostgreSQL's own log (`log_statement = all` on the benchmark database), so"
        " transaction control and anything sent while connecting are counted too.",
        "",
        "| operation | pool mode | request mode | reference | what reached the server (pool) |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {op} | {modes['pool']['statements'][op]['count']}"
            f" | {modes['request']['statements'][op]['count']} | {ref['statements'][op]}"
            f" | {'; '.join(f'`{s}`' for s in modes['pool']['statements'][op]['sent'])} |"
            for op in ref["statements"]
        ),
        "",
        "## Bundle",
        "",
        "`make bundle` (`scripts/build_lambda_bundle.py --zip`): arm64, Python 3.13.",
        "",
        "| | ours | reference |",
        "| --- | --- | --- |",
        f"| unzipped | {unzipped:.1f} MiB | {ref['bundle_mib'][0]} MiB |",
        f"| zipped | {zipped:.1f} MiB | {ref['bundle_mib'][1]} MiB |",
        "",
        *against_targets(results),
    ]
    return "\n".join(lines)


def against_targets(results: dict[str, Any]) -> list[str]:
    """Return the section that sets each figure beside its target."""
    pool = results["warm"]["pool"]
    rows = [
        (
            "cold start (median)",
            f"under {TARGETS['cold_start_s']} s",
            f"{results['cold']['ours']['median_s']:.3f} s",
            results["cold"]["ours"]["median_s"] < TARGETS["cold_start_s"],
        ),
        *(
            (
                f"{op} per second (pool mode)",
                f"at least {target}",
                f"{pool['per_second'][op]}",
                pool["per_second"][op] >= target,
            )
            for op, target in TARGETS["per_second"].items()
        ),
        (
            "statements per request (any operation, either mode)",
            f"at most {TARGETS['statements']}",
            str(
                max(
                    count["count"]
                    for mode in MODES
                    for count in results["warm"][mode]["statements"].values()
                )
            ),
            all(
                count["count"] <= TARGETS["statements"]
                for mode in MODES
                for count in results["warm"][mode]["statements"].values()
            ),
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
    results = {
        "date": datetime.date.today().isoformat(),
        "machine": "",
        "cold": cold_start.measure(runs=21),
        "bundle": bundle_sizes(),
        "warm": warm.measure(),
    }
    results["machine"] = machine()
    REPORT.write_text(render(results))
    print(json.dumps(results, indent=2, default=str))
    print(f"Wrote {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
