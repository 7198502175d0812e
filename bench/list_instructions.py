"""How many instructions a list of 100 todos costs the function's process, with the
per-row tricks and without them, counted by valgrind's callgrind.

Timings on a shared machine drift from second to second; an instruction count does not:
the same code, inputs and interpreter execute the same instructions, whatever else the
machine is doing (nearly: random ids and tokens differ from run to run). The
database server is another process, so its work is not counted, and neither is waiting
for it: this is the CPU work a list costs the function itself, the part these tricks
change (bench/list_tricks.py times the same variants).

Each variant runs in a fresh process under callgrind, on a throwaway database: it signs
up a user of its own through the Lambda handler, creates its 100 todos, lists them 20
times to warm up, and then, with the variant switched in (bench/list_tricks.py
`variant`), lists them `--calls` times more. One more process does all but those calls;
what a variant's process executed beyond it, divided by `--calls`, is one list.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/todo \\
        uv run --isolated --no-default-groups --python 3.13 python bench/list_instructions.py \\
        [--calls 50] [--write docs/benchmarks-list-instructions.md]

It needs valgrind (Debian: `apt-get install valgrind`); each process takes a minute or
two under it, and as many run at once as there are cores.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WARM_UP = 20
# What callgrind prints when the process ends: "==123== Collected : 9431255374".
COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")
SETUP_ONLY = "setup only"


def child(name: str, calls: int) -> None:
    """Set up, warm up, then list `calls` times with variant `name` switched in."""
    from bench.list_tricks import lists, variant

    listed = lists()
    for _ in range(WARM_UP):
        listed()
    if name == SETUP_ONLY:
        return
    with variant(name):
        for _ in range(calls):
            listed()


def counted(name: str, calls: int, database_url: str) -> int:
    """Run one variant's process under callgrind; return the instructions it executed.

    :raises SystemExit: when callgrind counted nothing or the process failed.
    """
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        name,
        "--calls",
        str(calls),
    ]
    environment = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=ROOT)
    found = COLLECTED.findall(done.stderr)
    if done.returncode != 0 or not found or int(found[-1]) <= 0:
        tail = done.stderr[-2000:]
        raise SystemExit(f"{name}: callgrind counted nothing (exit {done.returncode})\n{tail}")
    return int(found[-1])


def measure(calls: int) -> dict[str, float]:
    """Return each variant's instructions per list, on a throwaway test database."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from bench.list_tricks import VARIANTS

    databases = setup_databases(verbosity=0, interactive=False)
    try:
        # DATABASE_URL as given (its user, host and options), naming the test database.
        given = urlsplit(os.environ["DATABASE_URL"])
        url = urlunsplit(given._replace(path="/" + quote(connection.settings_dict["NAME"])))
        connection.close()
        names = [SETUP_ONLY, *VARIANTS]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            found = pool.map(lambda name: counted(name, calls, url), names)
            totals = dict(zip(names, found, strict=True))
    finally:
        teardown_databases(databases, verbosity=0)
    per_list = {name: (totals[name] - totals[SETUP_ONLY]) / calls for name in VARIANTS}
    if min(per_list.values()) <= 0:
        raise SystemExit(f"a variant's lists counted nothing: {per_list}")
    return per_list


def render(per_list: dict[str, float], calls: int) -> str:
    """Return the counts as a Markdown page."""
    from bench.list_tricks import SHIPPED

    today = datetime.date.today().isoformat()
    python = ".".join(map(str, sys.version_info[:3]))
    shipped = per_list[SHIPPED]
    lines = [
        "# Instructions a list costs the function, with the per-row tricks and without",
        "",
        f"Counted {today} by `bench/list_instructions.py --calls {calls}` on Python {python}"
        " with valgrind's callgrind: the instructions the function's process executes for"
        " one list of 100 todos through the Lambda handler, the average of"
        f" {calls} lists after {WARM_UP} to warm up. The database server's work is another"
        " process's and is not counted. The count depends on the code, its inputs and the"
        " interpreter, not on what else the machine is doing.",
        "",
        "| variant | instructions per list | against shipped |",
        "| --- | ---: | ---: |",
    ]
    for name, count in per_list.items():
        against = (count / shipped - 1) * 100
        lines.append(f"| {name} | {count / 1e6:.2f} million | {against:+.1f} % |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50, help="lists counted per variant")
    parser.add_argument("--write", type=Path, help="write the page here too")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.calls <= 0:
        raise SystemExit("--calls must be at least 1")
    if arguments.child:
        child(arguments.child, arguments.calls)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise SystemExit("Needs PostgreSQL: set DATABASE_URL=postgres://...")
    from bench.in_process import set_up

    set_up("counting-list-instructions")
    page = render(measure(arguments.calls), arguments.calls)
    print(page)
    if arguments.write:
        arguments.write.write_text(page)


if __name__ == "__main__":
    main()
