"""Time to a function's first IAM database token, in a fresh interpreter each time.

Two ways, interleaved run for run so that a machine busier at one moment weighs on both:

- `signed here`: core.postgresql.credentials, which signs with the standard library;
- `botocore`: what the app did before, botocore's session, an RDS client and its
  `generate_db_auth_token`.

Each child has the execution role's credentials in its environment, as on Lambda, and has
psycopg imported already, as the app has by its first connection; the clock runs from
just before the first import the token needs to the token in hand.

    uv run python bench/first_token.py [--runs 21]     # prints JSON
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "todo.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com"
CHILDREN = {
    "signed here": f"""
import time, psycopg
started = time.perf_counter()
from core.postgresql.credentials import iam_auth_token
iam_auth_token(host={HOST!r}, port=5432, user="todo_app", region="eu-west-1")
print(time.perf_counter() - started)
""",
    "botocore": f"""
import time, psycopg
started = time.perf_counter()
import botocore.session
client = botocore.session.get_session().create_client("rds", region_name="eu-west-1")
client.generate_db_auth_token(
    DBHostname={HOST!r}, Port=5432, DBUsername="todo_app", Region="eu-west-1"
)
print(time.perf_counter() - started)
""",
}
# Made-up credentials: signing is local, and nothing here calls AWS.
ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjEMD//////////wEaCXVzLWVhc3QtMSJHMEUCIQ",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


def first_token_seconds(code: str) -> float:
    """Run one child; return the seconds it took to its first token."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | ENVIRONMENT
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return float(result.stdout)


def main() -> None:
    """Print the median and the spread of each way, in milliseconds."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    times: dict[str, list[float]] = {name: [] for name in CHILDREN}
    for _ in range(runs):
        for name, code in CHILDREN.items():
            times[name].append(first_token_seconds(code) * 1000)
    print(
        json.dumps(
            {
                name: {
                    "median_ms": round(statistics.median(values), 2),
                    "min_ms": round(min(values), 2),
                    "max_ms": round(max(values), 2),
                    "runs": runs,
                }
                for name, values in times.items()
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
