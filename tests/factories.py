"""Test data: domain objects, stored through a repository when a test needs rows."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import factory

from core.identity.domain import User
from todos.domain import Todo

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class TodoFactory(factory.Factory):
    """Build todos one second apart, so their order is known."""

    class Meta:
        model = Todo

    id = factory.LazyFunction(uuid4)
    owner = factory.LazyFunction(uuid4)
    title = factory.Sequence(lambda n: f"Todo number {n}")
    completed = False
    created_at = factory.Sequence(lambda n: EPOCH + timedelta(seconds=n))
    updated_at = factory.SelfAttribute("created_at")


class UserFactory(factory.Factory):
    """Build active accounts with distinct emails (the hash is no real password's)."""

    class Meta:
        model = User

    id = factory.LazyFunction(uuid4)
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password_hash = "!unusable"
    is_active = True
    created_at = EPOCH
