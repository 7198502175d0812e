"""manage.py create_app_role: the role the application connects as, made once by the master user.

Run it through the tunnel with the master secret, before the first migration:

    DB_SECRET_ARN=arn:... DB_HOST=127.0.0.1 python manage.py create_app_role

It is idempotent: each run creates or grants only what is missing. The deploy runs the
same statement through the RDS Data API (config/aws_lambda/bootstrap.py).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import psycopg
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from psycopg import Connection

from core.database import DEFAULT_APP_ROLE
from core.postgresql.app_role import RUN_AS_MASTER, bootstrap_sql
from core.postgresql.policy import ConnectionPolicy


class Command(BaseCommand):
    help = (
        "Create the application role (LOGIN, no password, rds_iam when it exists), grant it "
        "the database and schema public, make the current user a member, and give it the "
        "tables the current user owns. Run it as the master user."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument("--role", help=f"default: DB_USER, else {DEFAULT_APP_ROLE}")
        parser.add_argument(
            "--iam-role", default="rds_iam", help="the role that allows IAM authentication"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            raise CommandError("create_app_role needs PostgreSQL.")
        policy = connection.settings_dict.get("POLICY") or ConnectionPolicy()
        role = options["role"] or policy.session_role or DEFAULT_APP_ROLE
        # As the master user itself: the application role may not exist yet.
        settings_dict = {**connection.settings_dict, "POLICY": replace(policy, session_role=None)}
        settings_dict["OPTIONS"] = {
            key: value for key, value in settings_dict["OPTIONS"].items() if key != "pool"
        }
        master = connection.__class__(settings_dict, alias=connection.alias)
        try:
            master.ensure_connection()
            for line in bootstrap(master.connection, role=role, iam_role=options["iam_role"]):
                self.stdout.write(line)
        finally:
            master.close()


def bootstrap(conn: Connection[Any], *, role: str, iam_role: str) -> list[str]:
    """Run the bootstrap (core/postgresql/app_role.py), the very statement the deploy
    sends through the Data API; return what was done, one line each (its notices).

    :raises CommandError: when `role` is the current user.
    """
    done: list[str] = []

    def collect(notice: psycopg.errors.Diagnostic) -> None:
        done.append(notice.message_primary or "")

    conn.add_notice_handler(collect)
    try:
        conn.execute(bootstrap_sql(role, iam_role))
    except psycopg.errors.RaiseException as error:
        message = error.diag.message_primary or ""
        if message.startswith(RUN_AS_MASTER):
            raise CommandError(message) from None
        raise
    finally:
        conn.remove_notice_handler(collect)
    return done
