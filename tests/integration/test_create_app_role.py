"""create_app_role, run by the master user through the tunnel, then migrations from both sides.

Each test gets a scratch database and roles of its own, with unique names, dropped at
the end; a role named like RDS's `rds_iam` stands in for it.
"""

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from botocore.stub import Stubber
from django.core.management import call_command
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from core.postgresql.credentials import aws_client
from tests.integration.databases import (
    database_alias,
    local_server,
    server_connection,
    settings_from,
)

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.usefixtures("aws_credentials", "superuser"),
]


@dataclass(frozen=True)
class Scratch:
    database: str
    app_role: str
    iam_role: str

    def connect(self) -> psycopg.Connection[Any]:
        """Connect to the scratch database as the master user, outside the app."""
        return server_connection(self.database)


@pytest.fixture
def scratch() -> Iterator[Scratch]:
    suffix = uuid4().hex[:10]
    names = Scratch(f"scratch_{suffix}", f"todo_app_{suffix}", f"rds_iam_{suffix}")
    with Scratch("postgres", "", "").connect() as admin:
        admin.execute(f"CREATE DATABASE {names.database}")
        admin.execute(f"CREATE ROLE {names.iam_role} NOLOGIN")
        try:
            yield names
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {names.database} WITH (FORCE)")
            admin.execute(f"DROP ROLE IF EXISTS {names.app_role}")
            admin.execute(f"DROP ROLE {names.iam_role}")


@pytest.fixture
def operator(scratch: Scratch) -> Iterator[BaseDatabaseWrapper]:
    """The master user through the tunnel: DB_SECRET_ARN=... DB_HOST=127.0.0.1."""
    server = local_server(scratch.database)
    arn = f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:master-{scratch.database}"
    password = connection.settings_dict["PASSWORD"] or "unchecked-by-this-server"
    secret = {"username": server["DB_USER"], "password": password, "port": server["DB_PORT"]}
    with Stubber(aws_client("secretsmanager", "eu-west-1")) as stubber:
        stubber.add_response("get_secret_value", {"SecretString": json.dumps(secret)})
        config = settings_from(
            DB_SECRET_ARN=arn,
            DB_HOST=server["DB_HOST"],
            DB_NAME=scratch.database,
            DB_USER=scratch.app_role,
            DB_SSLMODE="disable",
        )
        with database_alias("operator", config) as wrapper:
            yield wrapper


@contextmanager
def as_the_function(scratch: Scratch) -> Iterator[BaseDatabaseWrapper]:
    """Connect as the application role, as the Lambda function does (with a password
    here: a local server may ask for one, where RDS takes an IAM token)."""
    with scratch.connect() as conn:
        conn.execute(f"ALTER ROLE {scratch.app_role} PASSWORD 'local-only'")
    server = local_server(scratch.database)
    url = f"postgres://{scratch.app_role}:local-only@{server['DB_HOST']}:{server['DB_PORT']}"
    with database_alias("function", settings_from(DATABASE_URL=f"{url}/{scratch.database}")) as db:
        yield db


def create_app_role(scratch: Scratch) -> str:
    out = StringIO()
    call_command("create_app_role", database="operator", iam_role=scratch.iam_role, stdout=out)
    return out.getvalue()


def owners(scratch: Scratch) -> dict[str, str]:
    with scratch.connect() as conn:
        rows = conn.execute(
            "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S')"
        ).fetchall()
    return dict(rows)


@pytest.mark.usefixtures("operator")
def test_the_role_is_created_once_and_a_second_run_changes_nothing(scratch: Scratch) -> None:
    with scratch.connect() as conn:  # made by the master before the role existed
        conn.execute("CREATE TABLE legacy (id serial PRIMARY KEY)")
    first = create_app_role(scratch)
    second = create_app_role(scratch)
    assert f"Created role {scratch.app_role}" in first
    assert f"Granted {scratch.iam_role} to {scratch.app_role}" in first
    assert f"a member of {scratch.app_role}" in first
    assert "Gave table legacy" in first
    assert f"Role {scratch.app_role} exists" in second
    assert f"{scratch.app_role} is a member of {scratch.iam_role}" in second
    assert "Created" not in second
    assert "Gave" not in second
    assert "Made" not in second
    assert owners(scratch) == {"legacy": scratch.app_role, "legacy_id_seq": scratch.app_role}
    with scratch.connect() as conn:
        login, password = conn.execute(
            "SELECT rolcanlogin, rolpassword FROM pg_authid WHERE rolname = %s",
            [scratch.app_role],
        ).fetchone() or (None, None)
        assert (login, password) == (True, None)


def test_without_an_rds_iam_role_the_bootstrap_says_so(
    scratch: Scratch, operator: BaseDatabaseWrapper
) -> None:
    out = StringIO()
    call_command("create_app_role", database="operator", iam_role="no_such_role", stdout=out)
    assert "No role no_such_role here" in out.getvalue()


@pytest.mark.usefixtures("operator")
def test_tables_migrated_through_the_tunnel_belong_to_the_app_role_which_can_migrate_them(
    scratch: Scratch,
) -> None:
    create_app_role(scratch)
    call_command("migrate", database="operator", verbosity=0)
    assert set(owners(scratch).values()) == {scratch.app_role}
    assert {"todos", "django_migrations"} <= set(owners(scratch))
    with as_the_function(scratch) as function:
        # It unapplies and reapplies every migration: it can alter its tables.
        call_command("migrate", "todos", "zero", database="function", verbosity=0)
        assert "todos" not in owners(scratch)
        call_command("migrate", database="function", verbosity=0)
        check_reads_and_writes(function, scratch.app_role)


def check_reads_and_writes(function: BaseDatabaseWrapper, role: str) -> None:
    with function.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (role,)
        cursor.execute(
            "INSERT INTO todos (id, title, completed, created_at, updated_at)"
            " VALUES (gen_random_uuid(), 'Buy milk', false, now(), now())"
        )
        cursor.execute("UPDATE todos SET completed = true")
        cursor.execute("SELECT title, completed FROM todos")
        assert cursor.fetchall() == [("Buy milk", True)]


@pytest.mark.usefixtures("operator")
def test_the_deploy_hook_creates_the_role_then_migrates_and_a_rerun_changes_nothing(
    scratch: Scratch,
) -> None:
    """What a first deploy's trigger does (config/aws_lambda/deploy_hook.py), as the
    master user: the role, then every table, owned by the role; the next deploy's run
    finds both done."""
    from config.aws_lambda.deploy_hook import run_steps

    role_output, migrate_output = run_steps(database="operator", iam_role=scratch.iam_role)
    assert f"Created role {scratch.app_role}" in role_output
    assert "Applying todos.0001" in migrate_output
    assert {"todos", "django_migrations"} <= set(owners(scratch))
    assert set(owners(scratch).values()) == {scratch.app_role}
    again = run_steps(database="operator", iam_role=scratch.iam_role)
    assert "Created" not in again[0]
    assert "No migrations to apply" in again[1]


@pytest.mark.usefixtures("operator")
def test_a_failed_deploy_step_fails_the_hook_naming_only_the_step_and_the_error_type(
    scratch: Scratch,
) -> None:
    """A migration that cannot run (here: the role owns nothing and may not create in a
    schema it was refused) fails the invocation; the message, which the deploy output
    shows, carries no SQL and no server message."""
    from config.aws_lambda.deploy_hook import DeployStepFailed, run_steps

    with scratch.connect() as conn:  # a table in the way, owned by someone else
        conn.execute("CREATE TABLE todos (id int)")
    with pytest.raises(DeployStepFailed) as failed:
        run_steps(database="operator", iam_role=scratch.iam_role)
    assert re.fullmatch(
        r"migrate failed \(\w+\); the function's log has the details\.", str(failed.value)
    )
