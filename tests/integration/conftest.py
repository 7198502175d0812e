"""Fixtures for tests that sign or read AWS credentials without an AWS account."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from pytest_django import DjangoDbBlocker

from tests.integration.databases import server_connection


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give botocore made-up credentials and no configuration files to read.

    Signing an IAM token is local; with these, nothing can reach AWS or the
    instance metadata service, and a test never uses a developer's own profile.
    """
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def database_access(django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """Allow connections to databases other than the test database, for this test."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def superuser(database_access: None) -> None:
    """Skip unless the tests connect as a superuser, who stands in for the RDS master user
    and may create roles, act as any role and read pg_authid."""
    with server_connection() as conn:
        row = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    if not (row and row[0]):
        pytest.skip("needs a PostgreSQL superuser, as the RDS master user's stand-in")


@pytest.fixture
def trusting_server(database_access: None) -> None:
    """Skip unless the server lets the tests' user in whatever the password, as CI's does:
    there an IAM token can stand in for a password."""
    try:
        server_connection(password="not-the-password").close()
    except psycopg.OperationalError:
        pytest.skip("needs a server that trusts local clients (IAM tokens are not passwords)")
