"""On Lambda no SECRET_KEY needs to sit in the function's configuration."""

from __future__ import annotations

from tests.lambda_.invoke import settings_on_lambda


def test_without_a_configured_key_each_instance_draws_a_strong_one_of_its_own() -> None:
    first, second = settings_on_lambda()["SECRET_KEY"], settings_on_lambda()["SECRET_KEY"]
    assert len(first) >= 50
    assert first != second
    assert not first.startswith("django-insecure")


def test_a_configured_key_is_used_as_given() -> None:
    assert settings_on_lambda(SECRET_KEY="k" * 60)["SECRET_KEY"] == "k" * 60
