"""Every contract case runs against both sets of adapters the composition root builds:
the in-memory fakes and the Django ORM."""

import pytest

from config.composition import Adapters, database_adapters, in_memory_adapters
from core.identity.domain import User
from tests.factories import UserFactory


@pytest.fixture(
    params=["memory", pytest.param("django", marks=[pytest.mark.django_db, pytest.mark.orm])]
)
def built(request: pytest.FixtureRequest) -> Adapters:
    """The adapters under test: the fakes, or the ORM on the test database."""
    return in_memory_adapters() if request.param == "memory" else database_adapters()


@pytest.fixture
def ann(built: Adapters) -> User:
    user = UserFactory.build(email="ann@example.com")
    built.users.add(user)
    return user


@pytest.fixture
def bob(built: Adapters) -> User:
    user = UserFactory.build(email="bob@example.com")
    built.users.add(user)
    return user
