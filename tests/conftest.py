"""Fixtures for every layer, and the markers that name the layers.

Each test gets the marker of its folder (unit, contract, api, integration, lambda_, infra),
so `pytest -m unit` runs one layer; `make test-fast` runs the fast ones.
"""

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from pytest_django.fixtures import Settings

from config.composition import adapters, serving
from core.identity import services as accounts
from core.identity.domain import Actor, User
from core.identity.tokens import issue_access_token
from tests.factories import TodoFactory
from todos.domain import Todo

TESTS = Path(__file__).parent
LAYERS = ("unit", "contract", "api", "integration", "lambda_", "infra")
# Passes Django's password validators; the tests' accounts share it.
PASSWORD = "correct horse battery staple"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its layer; skip PostgreSQL-only tests on SQLite."""
    on_sqlite = connection.vendor != "postgresql"
    for item in items:
        layer = item.path.relative_to(TESTS).parts[0]
        if layer in LAYERS:
            item.add_marker(getattr(pytest.mark, layer))
        if on_sqlite and "postgresql" in item.keywords:
            item.add_marker(
                pytest.mark.skip(reason="needs PostgreSQL: DATABASE_URL=postgres://...")
            )


@pytest.fixture(autouse=True)
def fast_password_hashing(request: pytest.FixtureRequest, settings: Settings) -> None:
    """Hash test passwords with a fast hasher, as Django advises for test suites; the
    tests marked `argon2` check the Argon2id hashing the app is configured with."""
    if "argon2" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_signing_keys() -> Iterator[None]:
    """Forget cached signing keys after each test: the database they came from is gone."""
    yield
    adapters.keys.forget()


@pytest.fixture
def serve_with() -> Iterator[Callable[..., None]]:
    """Return a function that replaces some of the served adapters until the test ends,
    through the composition root: `serve_with(todos=BrokenRepository())`."""
    with ExitStack() as stack:

        def swap(**changes: Any) -> None:
            stack.enter_context(serving(replace(adapters, **changes)))

        yield swap


@pytest.fixture
def make_user() -> Callable[..., User]:
    """Return a function that registers an account through the served adapters (with
    the ORM serving, the test needs the `django_db` mark)."""
    made = iter(range(1_000_000))

    def make(email: str | None = None, password: str = PASSWORD) -> User:
        return accounts.register(
            adapters, email=email or f"person{next(made)}@example.com", password=password
        )

    return make


@pytest.fixture
def user(make_user: Callable[..., User]) -> User:
    """An account: ann@example.com, whose password is PASSWORD."""
    return make_user("ann@example.com")


@pytest.fixture
def actor(user: User) -> Actor:
    """The actor `user`'s requests act as."""
    return Actor(user_id=user.id)


@pytest.fixture
def access_token() -> Callable[[User], str]:
    """Return a function that signs an access token for an account, as a sign-in would."""

    def token(user: User) -> str:
        return issue_access_token(
            adapters.keys, adapters.token_policy, user_id=user.id, now=adapters.clock()
        )

    return token


@pytest.fixture
def bearer(user: User, access_token: Callable[[User], str]) -> dict[str, str]:
    """The Authorization header of `user`'s requests."""
    return {"Authorization": f"Bearer {access_token(user)}"}


@pytest.fixture
def stored_todos(user: User) -> Callable[..., list[Todo]]:
    """Return a function that stores `n` new todos through the served repository, oldest
    first; they are `user`'s unless `owner=` says whose."""

    def store(n: int = 1, **fields: Any) -> list[Todo]:
        todos = TodoFactory.build_batch(n, **{"owner": user.id, **fields})
        for todo in todos:
            assert adapters.todos.add(todo), "the owner is an active user"
        return todos

    return store
