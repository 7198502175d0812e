"""The API tests serve the whole HTTP API on the in-memory adapters: the contract of
API.md, fast. The ORM behind the same routes is covered by tests/integration and
tests/lambda_."""

from collections.abc import Iterator

import pytest
from django.test import Client

from config.composition import Adapters, in_memory_adapters, serving


@pytest.fixture(autouse=True)
def in_memory() -> Iterator[Adapters]:
    """Serve every request of the test from fresh in-memory adapters."""
    with serving(in_memory_adapters()) as served:
        yield served


@pytest.fixture
def client(bearer: dict[str, str]) -> Client:
    """A client signed in as `user`: every request carries its access token."""
    return Client(headers=bearer)


@pytest.fixture
def anonymous() -> Client:
    """A client that sends no credentials."""
    return Client()
