"""The benchmark database: a dedicated PostgreSQL database, migrated and filled on demand,
and the server log that shows what reached PostgreSQL."""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/todo_bench"


def database_url() -> str:
    """Return BENCH_DATABASE_URL, or a `todo_bench` database on the local server."""
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def app_environment(url: str, **extra: str) -> dict[str, str]:
    """Return the environment a Lambda function of this app would run with, on `url`."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "benchmark-only-secret-key",
        "AWS_LAMBDA_FUNCTION_NAME": "todo-api-benchmark",
        "AWS_REGION": "eu-west-1",
        "ENV_FILE": "/dev/null",
        **extra,
    }


def prepare(url: str) -> None:
    """Create the benchmark database if it is missing and apply the migrations."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=app_environment(url),
        check=True,
    )


def reset_todos(url: str, rows: int) -> list[str]:
    """Empty the todos table and store `rows` todos; return their ids, newest first."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE todos")
        conn.execute(
            "INSERT INTO todos (id, title, completed, created_at, updated_at)"
            " SELECT gen_random_uuid(), 'Benchmark todo ' || n, n %% 2 = 0,"
            " now() - n * interval '1 second', now() - n * interval '1 second'"
            " FROM generate_series(1, %s) AS n",
            [rows],
        )
        rows_now = conn.execute("SELECT id FROM todos ORDER BY created_at DESC").fetchall()
        return [str(row[0]) for row in rows_now]


def server_log(url: str) -> Path:
    """Return the PostgreSQL server's log file (BENCH_SERVER_LOG, or Debian's default)."""
    if "BENCH_SERVER_LOG" in os.environ:
        return Path(os.environ["BENCH_SERVER_LOG"])
    with psycopg.connect(url) as conn:
        current = conn.execute("SELECT pg_current_logfile()").fetchone()
        data_directory = conn.execute("SHOW data_directory").fetchone()
        version = conn.execute("SHOW server_version_num").fetchone()
    if current and current[0] and data_directory:
        return Path(data_directory[0]) / current[0]
    major = int(version[0]) // 10000 if version else 0
    candidates = sorted(glob.glob(f"/var/log/postgresql/postgresql-{major}-*.log"))
    if not candidates:
        raise SystemExit("Cannot find the PostgreSQL server log: set BENCH_SERVER_LOG.")
    return Path(candidates[0])


def set_statement_logging(url: str, *, enabled: bool) -> None:
    """Log every statement sent to the benchmark database (for new connections)."""
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as conn:
        statement = (
            sql.SQL("ALTER DATABASE {} SET log_statement = 'all'")
            if enabled
            else sql.SQL("ALTER DATABASE {} RESET log_statement")
        )
        conn.execute(statement.format(sql.Identifier(name)))
