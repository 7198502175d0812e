"""The cost of one password hash: Argon2id at the app's parameters (OWASP's), beside
Django's default Argon2 parameters, measured here with the same password.

    uv run python bench/password_hashing.py [--write docs/auth.md]

Each figure is the median of 21 hashes, after one to warm up. A Lambda function with
512 MB gets about a third of a vCPU, so a hash there takes about three times as long.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "only-for-measuring-password-hashes")

import django

django.setup()

from django.contrib.auth.hashers import Argon2PasswordHasher  # noqa: E402

from core.identity.adapters.passwords import OwaspArgon2PasswordHasher  # noqa: E402

RUNS = 21
PASSWORD = "correct horse battery staple"  # noqa: S105 (a sample, hashed to time it)
BEGIN, END = "<!-- password-hashing -->", "<!-- /password-hashing -->"


def median_ms(hasher: Argon2PasswordHasher) -> float:
    """Return the median milliseconds one hash takes, failing loudly if it took none."""
    hasher.encode(PASSWORD, hasher.salt())
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        encoded = hasher.encode(PASSWORD, hasher.salt())
        times.append((time.perf_counter() - started) * 1000)
        if not hasher.verify(PASSWORD, encoded):
            raise SystemExit("a hash did not verify: nothing was measured")
    if min(times) <= 0:
        raise SystemExit("a hash took no time: nothing was measured")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", type=Path, help="also write the table into this Markdown file")
    args = parser.parse_args()
    ours, django_default = OwaspArgon2PasswordHasher(), Argon2PasswordHasher()
    rows = [
        ("the app's: Argon2id, 19 MiB, 2 iterations, 1 lane", ours),
        ("Django's default: Argon2id, 100 MiB, 2 iterations, 8 lanes", django_default),
    ]
    table = "\n".join(
        [
            f"Measured {datetime.date.today().isoformat()} on {os.cpu_count()} cores, "
            f"Python {sys.version.split()[0]}: the median of {RUNS} hashes.",
            "",
            "| parameters | one hash |",
            "| --- | ---: |",
            *(f"| {label} | {median_ms(hasher):.1f} ms |" for label, hasher in rows),
        ]
    )
    print(table)
    if args.write:
        page = args.write.read_text()
        before, _, rest = page.partition(BEGIN)
        _, found, after = rest.partition(END)
        if not found:
            raise SystemExit(f"{args.write} has no {BEGIN} ... {END} block to replace")
        args.write.write_text(f"{before}{BEGIN}\n{table}\n{END}{after}")
        print(f"Wrote {args.write}")


if __name__ == "__main__":
    main()
