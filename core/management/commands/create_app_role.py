"""manage.py create_app_role: the role the application connects as, made once by the master user.

Run it through the tunnel with the master secret, before the first migration:

    DB_SECRET_ARN=arn:... DB_HOST=127.0.0.1 python manage.py create_app_role

It is idempotent: each run creates or grants only what is missing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, LiteralString

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from psycopg import Connection, sql

from core.database import DEFAULT_APP_ROLE
from core.postgresql.policy import ConnectionPolicy

# What ALTER ... OWNER TO calls each kind of relation (pg_class.relkind).
RELATION_KINDS: dict[str, LiteralString] = {
    "r": "TABLE",
    "p": "TABLE",
    "v": "VIEW",
    "m": "MATERIALIZED VIEW",
    "f": "FOREIGN TABLE",
    "S": "SEQUENCE",
}
OWNED_BY_ME = """
    SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = ANY(%s)
      AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
      -- a sequence behind an identity or serial column follows its table
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
    ORDER BY c.relname
"""


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
    """Create and grant what `role` lacks; return what was done, one line each.

    :raises CommandError: when `role` is the current user.
    """
    done: list[str] = []
    me = _one(conn, "SELECT current_user")
    if role == me:
        raise CommandError(f"Run this as the master user, not as {role} itself.")
    who = sql.Identifier(role)
    if _one(conn, "SELECT 1 FROM pg_roles WHERE rolname = %s", role):
        done.append(f"Role {role} exists.")
    else:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(who))
        done.append(f"Created role {role} (LOGIN, no password).")
    if not _one(conn, "SELECT 1 FROM pg_roles WHERE rolname = %s", iam_role):
        done.append(f"No role {iam_role} here (it exists on RDS only): IAM login not granted.")
    elif _member(conn, role, of=iam_role):
        done.append(f"{role} is a member of {iam_role}.")
    else:
        conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(iam_role), who))
        done.append(f"Granted {iam_role} to {role}: it logs in with IAM tokens.")
    database = _one(conn, "SELECT current_database()")
    conn.execute(
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), who)
    )
    conn.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(who))
    done.append(f"Granted CONNECT on {database}, USAGE and CREATE on schema public.")
    if not _member(conn, me, of=role):
        # Lets the master act as the role (`-c role=...`), so its migrations create
        # tables the application owns.
        conn.execute(sql.SQL("GRANT {} TO {}").format(who, sql.Identifier(me)))
        done.append(f"Made {me} a member of {role}.")
    for kinds in (["r", "p", "v", "m", "f"], ["S"]):  # sequences once their tables moved
        for name, kind in conn.execute(OWNED_BY_ME, [kinds]).fetchall():
            statement = sql.SQL("ALTER {} {} OWNER TO {}").format(
                sql.SQL(RELATION_KINDS[kind]), sql.Identifier("public", name), who
            )
            conn.execute(statement)
            done.append(f"Gave {RELATION_KINDS[kind].lower()} {name} to {role}.")
    return done


def _one(conn: Connection[Any], query: LiteralString, *params: Any) -> Any:
    row = conn.execute(query, params or None).fetchone()
    return row[0] if row else None


def _member(conn: Connection[Any], role: str, *, of: str) -> bool:
    query = """SELECT 1 FROM pg_auth_members m
               JOIN pg_roles member ON member.oid = m.member AND member.rolname = %s
               JOIN pg_roles parent ON parent.oid = m.roleid AND parent.rolname = %s"""
    return _one(conn, query, role, of) is not None
