"""The composition root: the one place that decides which adapters serve.

The routers (config/api.py builds them), the management commands and the tests all take
their adapters from `adapters` here. Nothing below this module builds an adapter.

- `database_adapters()` is what the app serves: the Django ORM.
- `in_memory_adapters()` serves the same API with no database at all; the API tests
  use it for speed, and it is a quick way to prototype.

Routers look the adapters up on every request, so `serving()` swaps them for a block
of code (a test, a benchmark) without touching any module of the app.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from core.clock import Clock, utc_now
from core.identity.adapters.memory import (
    InMemoryRefreshTokens,
    InMemorySignInAttempts,
    InMemorySigningKeys,
    InMemoryUserRepository,
)
from core.identity.adapters.orm import (
    DjangoRefreshTokens,
    DjangoSignInAttempts,
    DjangoSigningKeys,
    DjangoUserRepository,
)
from core.identity.adapters.passwords import DjangoPasswords
from core.identity.ports import Passwords, RefreshTokens, SignInAttempts, UserRepository
from core.identity.tokens import KeyRing, TokenPolicy
from core.transactions import Atomic, no_transaction
from todos.adapters.memory import InMemoryCreateRequests, InMemoryTodoRepository
from todos.adapters.orm import DjangoCreateRequests, DjangoTodoRepository
from todos.ports import CreateRequests, TodoRepository


@dataclass
class Adapters:
    """Everything the use cases need from the outside world, by port.

    Each field is typed with its port (a Protocol), so mypy checks that every adapter
    assigned here, the in-memory fakes included, implements it.
    """

    todos: TodoRepository
    create_requests: CreateRequests
    users: UserRepository
    refresh_tokens: RefreshTokens
    sign_in_attempts: SignInAttempts
    passwords: Passwords
    keys: KeyRing
    token_policy: TokenPolicy
    clock: Clock
    atomic: Atomic


def token_policy() -> TokenPolicy:
    """Return the token settings (config/settings.py) as the services take them."""
    return TokenPolicy(
        issuer=settings.JWT_ISSUER,
        audience=settings.JWT_AUDIENCE,
        access_ttl=timedelta(seconds=settings.ACCESS_TOKEN_TTL),
        refresh_ttl=timedelta(seconds=settings.REFRESH_TOKEN_TTL),
    )


def database_adapters() -> Adapters:
    """Return the adapters the app serves with: the Django ORM and the system clock."""
    return Adapters(
        todos=DjangoTodoRepository(),
        create_requests=DjangoCreateRequests(),
        users=DjangoUserRepository(),
        refresh_tokens=DjangoRefreshTokens(),
        sign_in_attempts=DjangoSignInAttempts(),
        passwords=DjangoPasswords(),
        keys=KeyRing(DjangoSigningKeys(), clock=utc_now),
        token_policy=token_policy(),
        clock=utc_now,
        atomic=transaction.atomic,
    )


def in_memory_adapters() -> Adapters:
    """Return adapters that keep everything in this process's memory."""
    users = InMemoryUserRepository()
    todos = InMemoryTodoRepository(owner_is_active=users.is_active)
    return Adapters(
        todos=todos,
        create_requests=InMemoryCreateRequests(todos),
        users=users,
        refresh_tokens=InMemoryRefreshTokens(users),
        sign_in_attempts=InMemorySignInAttempts(),
        passwords=DjangoPasswords(),
        keys=KeyRing(InMemorySigningKeys(), clock=utc_now),
        token_policy=token_policy(),
        clock=utc_now,
        atomic=no_transaction,
    )


adapters = database_adapters()


@contextmanager
def serving(replacement: Adapters) -> Iterator[Adapters]:
    """Serve with `replacement`'s adapters until the block ends, then restore the others.

    The same `adapters` object is updated in place, so every router, command and
    service that holds it sees the replacement.
    """
    saved = {field.name: getattr(adapters, field.name) for field in fields(Adapters)}
    for field in fields(Adapters):
        setattr(adapters, field.name, getattr(replacement, field.name))
    try:
        yield adapters
    finally:
        for name, value in saved.items():
            setattr(adapters, name, value)
