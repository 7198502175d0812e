"""The benchmark database on the private cluster, and the two ways the app reaches it.

- `deployed_environment`: as the Lambda function does: `DB_HOST` and no `DATABASE_URL`,
  an IAM token signed with fake AWS credentials (the app signs it with the standard
  library, core/postgresql/iam_token.py; nothing calls AWS), TLS verified with
  `verify-full`, as the application role `todo_app`.
- `database_url_environment`: `DATABASE_URL`, plain TCP, as local runs and CI connect.

Both are a Lambda function's environment (`AWS_LAMBDA_FUNCTION_NAME` set, no
`SECRET_KEY`), built from nothing rather than from this shell's, so a `DATABASE_URL` or
AWS profile of the person running the benchmarks cannot leak in.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
from psycopg import sql

from bench.cluster import Cluster

ROOT = Path(__file__).resolve().parent.parent
NAME, APP_ROLE = "todo_bench", "todo_app"
REGION = "eu-west-1"
# `rows` todos for one owner; and, for a commit from before accounts, for nobody.
OWNED_ROWS = (
    "INSERT INTO todos (id, owner_id, title, completed, created_at, updated_at)"
    " SELECT gen_random_uuid(), %(owner)s, 'Benchmark todo ' || n, n %% 2 = 0,"
    " now() - n * interval '1 second', now() - n * interval '1 second'"
    " FROM generate_series(1, %(rows)s) AS n"
)
UNOWNED_ROWS = (
    "INSERT INTO todos (id, title, completed, created_at, updated_at)"
    " SELECT gen_random_uuid(), 'Benchmark todo ' || n, n %% 2 = 0,"
    " now() - n * interval '1 second', now() - n * interval '1 second'"
    " FROM generate_series(1, %(rows)s) AS n"
)


def lambda_environment(**variables: str) -> dict[str, str]:
    """Return the environment the Lambda runtime gives a function, plus `variables`."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_LAMBDA_FUNCTION_NAME": "todo-api-benchmark",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        # The function has no AWS config files; this machine's must not be read either.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "ENV_FILE": os.devnull,
        # The cold starts share one access token issued before their runs, and a full
        # `make bench` outlasts the default 15 minutes: a day outlives any run.
        "ACCESS_TOKEN_TTL": str(24 * 60 * 60),
        **variables,
    }


def deployed_environment(
    cluster: Cluster, application: str, *, database: str = NAME, **variables: str
) -> dict[str, str]:
    """Return the environment of a function that reaches the cluster as on AWS."""
    return lambda_environment(
        DB_HOST="127.0.0.1",
        DB_PORT=str(cluster.port),
        DB_NAME=database,
        DB_USER=APP_ROLE,
        # The role's credentials, as Lambda sets them; fake, but the token is signed with them.
        AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",  # noqa: S106
        AWS_SESSION_TOKEN="IQoJb3JpZ2luX2VjEXAMPLE",  # noqa: S106
        # A loopback host defaults to verify-ca; Aurora's endpoint name gets verify-full.
        DB_SSLMODE="verify-full",
        DB_SSLROOTCERT=str(cluster.ca_bundle),
        DB_APPLICATION_NAME=application,
        **variables,
    )


def database_url_environment(
    cluster: Cluster, application: str, *, database: str = NAME, **variables: str
) -> dict[str, str]:
    """Return the environment of a function given a DATABASE_URL (plain TCP, no token)."""
    return lambda_environment(
        DATABASE_URL=cluster.url(database, APP_ROLE), DB_APPLICATION_NAME=application, **variables
    )


def create_database(cluster: Cluster, name: str) -> None:
    """Create a database that the application role owns."""
    with psycopg.connect(cluster.url(), autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(APP_ROLE)
            )
        )


def prepare(cluster: Cluster) -> None:
    """Create the application role and its database, and apply the migrations as that role."""
    with psycopg.connect(cluster.url(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(APP_ROLE)))
    create_database(cluster, NAME)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": cluster.url(NAME, APP_ROLE),
            "SECRET_KEY": "benchmark-migrations-only",
            "ENV_FILE": os.devnull,
        },
        check=True,
    )


def empty_todos(cluster: Cluster, name: str = NAME) -> None:
    """Delete every todo, and the idempotency keys that remember created ones (in a
    database whose schema has them: an older commit's may not)."""
    with psycopg.connect(cluster.url(name, APP_ROLE), autocommit=True) as conn:
        row = conn.execute("SELECT to_regclass('idempotency_keys') IS NOT NULL").fetchone()
        conn.execute("TRUNCATE todos, idempotency_keys" if row and row[0] else "TRUNCATE todos")


def reset_todos(cluster: Cluster, owner: str | None, rows: int, name: str = NAME) -> list[str]:
    """Leave exactly `rows` todos in the table, all the owner's (or nobody's, in the
    database of a commit from before accounts); return their ids, newest first.

    Every other todo goes: a commit from before accounts lists the whole table.

    :raises SystemExit: when the table does not hold exactly those rows afterwards.
    """
    empty_todos(cluster, name)
    owned = owner is not None
    with psycopg.connect(cluster.url(name, APP_ROLE), autocommit=True) as conn:
        conn.execute(OWNED_ROWS if owned else UNOWNED_ROWS, {"owner": owner, "rows": rows})
        found = conn.execute(
            "SELECT id, owner_id FROM todos ORDER BY created_at DESC, id DESC"
            if owned
            else "SELECT id, NULL FROM todos ORDER BY created_at DESC, id DESC"
        ).fetchall()
    if len(found) != rows or any(owned and str(row[1]) != owner for row in found):
        raise SystemExit(f"The todos table holds {len(found)} rows, not the owner's {rows}.")
    return [str(row[0]) for row in found]


def set_statement_logging(cluster: Cluster, *, enabled: bool) -> None:
    """Log every statement the cluster receives, in open sessions too (a reload)."""
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        conn.execute(
            "ALTER SYSTEM SET log_statement = 'all'"
            if enabled
            else "ALTER SYSTEM RESET log_statement"
        )
        conn.execute("SELECT pg_reload_conf()")
