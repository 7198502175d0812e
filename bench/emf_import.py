"""Time what importing an EMF library adds to a cold start, against the app's own module.

Each library is installed from PyPI into a throwaway virtual environment of this Python;
then each import is timed in fresh interpreters, after the standard-library modules the
app imports anyway, and the median is reported. `core.metrics` is timed the same way,
from the repository. A library is worth its import only under the 10 ms budget.

    uv run python bench/emf_import.py                     # print the table
    uv run python bench/emf_import.py --write docs/emf-import.md
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_MS = 10.0
RUNS = 21
# Each library at the version measured, and the import its documentation shows.
LIBRARIES = {
    "aws-lambda-powertools==3.37.0": "from aws_lambda_powertools import Metrics",
    "aws-embedded-metrics==3.5.0": "from aws_embedded_metrics import metric_scope",
}
OWN = "import core.metrics"
# Already imported by the app before any metric is written: not charged to the library.
PRELUDE = "import json, logging, datetime, decimal, functools, typing, dataclasses, enum, os"
CHILD = """
import time
{prelude}
started = time.perf_counter()
{statement}
print((time.perf_counter() - started) * 1000)
"""


class NothingMeasured(RuntimeError):
    """A run printed no timing: the figure would be made up."""


@dataclass(frozen=True)
class Figure:
    """The median import time of one statement, with its spread."""

    what: str
    statement: str
    median_ms: float
    low_ms: float
    high_ms: float


def time_import(python: str, statement: str, *, cwd: Path) -> Figure:
    """Import `statement` in RUNS fresh interpreters; return the median milliseconds.

    :raises NothingMeasured: when a run fails or prints no number.
    """
    code = CHILD.format(prelude=PRELUDE, statement=statement)
    samples: list[float] = []
    for _ in range(RUNS):
        result = subprocess.run(
            # -I: nothing from the repository or the environment on the library's path.
            [python, *(() if cwd == ROOT else ("-I",)), "-c", code],
            capture_output=True,
            text=True,
            cwd=cwd,
            check=False,
        )
        if result.returncode != 0 or not result.stdout.strip():
            raise NothingMeasured(f"{statement!r} failed: {result.stderr.strip()[-500:]}")
        samples.append(float(result.stdout.strip().splitlines()[-1]))
    if len(samples) != RUNS:
        raise NothingMeasured(f"{statement!r}: {len(samples)} of {RUNS} runs measured")
    return Figure(
        what=statement,
        statement=statement,
        median_ms=statistics.median(samples),
        low_ms=min(samples),
        high_ms=max(samples),
    )


def library_python(requirement: str, folder: Path) -> str:
    """Install `requirement` alone, bytecode compiled as in the bundle; return its Python."""
    uv = shutil.which("uv")
    if uv is None:
        raise NothingMeasured("uv is not on PATH (make puts it there)")
    venv = folder / requirement.split("==")[0]
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run(
        [uv, "pip", "install", "-q", "--compile-bytecode", "--python", python, requirement],
        check=True,
    )
    return python


def measure() -> list[tuple[str, Figure]]:
    """Time each library in its own environment, then the app's module in the project's."""
    figures: list[tuple[str, Figure]] = []
    with tempfile.TemporaryDirectory() as folder:
        for requirement, statement in LIBRARIES.items():
            python = library_python(requirement, Path(folder))
            figures.append((requirement, time_import(python, statement, cwd=Path(folder))))
    figures.append(("this repository", time_import(sys.executable, OWN, cwd=ROOT)))
    return figures


def render(figures: list[tuple[str, Figure]]) -> str:
    """Return the figures as a Markdown table, with how and where they were taken."""
    lines = [
        "| package | import | median ms | min | max | under the 10 ms budget? |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for package, figure in figures:
        verdict = "yes" if figure.median_ms <= BUDGET_MS else "no"
        lines.append(
            f"| {package} | `{figure.statement}` | {figure.median_ms:.1f} "
            f"| {figure.low_ms:.1f} | {figure.high_ms:.1f} | {verdict} |"
        )
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    return DOC.format(
        table="\n".join(lines),
        runs=RUNS,
        python=platform.python_version(),
        machine=f"{platform.system()} {platform.machine()}",
        date=when,
        prelude=PRELUDE.removeprefix("import "),
    )


DOC = """# What an EMF library costs a cold start

Written by `uv run python bench/emf_import.py --write docs/emf-import.md`. Each package is
installed from PyPI into a virtual environment of its own; each import is then timed in
{runs} fresh interpreters (Python {python}, {machine}, {date}), after the modules the app
imports anyway ({prelude}), and the median is kept. `core.metrics` is the app's own
module, which writes the documented format by hand
([lambda.md](lambda.md#application-metrics)). A library is worth its import only under a
10 ms budget: every new instance without SnapStart pays it before its first answer.

{table}
"""


def main() -> None:
    """Measure and print, or write the Markdown page."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", type=Path, help="write the Markdown page here")
    args = parser.parse_args()
    page = render(measure())
    if args.write:
        args.write.write_text(page)
        print(f"wrote {args.write}")
    else:
        print(page)


if __name__ == "__main__":
    main()
