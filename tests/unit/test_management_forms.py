"""The forms a management event may take: whole argument lists, nothing that destroys."""

import pytest

from config.aws_lambda.management import allowed, describe_forms


@pytest.mark.parametrize(
    "argv",
    [
        ["migrate"],
        ["migrate", "--plan"],
        ["migrate", "--check"],
        ["showmigrations"],
        ["showmigrations", "todos"],
        ["check", "--deploy"],
        ["seed_todos", "--owner", "ann@example.com"],
        ["assign_todos", "--to", "ann@example.com"],
        ["rotate_signing_key"],
        ["rotate_signing_key", "--drop-previous"],
        ["deactivate_user", "ann@example.com"],
    ],
)
def test_the_forms_an_operator_needs_are_allowed(argv: list[str]) -> None:
    assert allowed(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["migrate", "todos", "zero"],
        ["migrate", "todos", "0001_initial"],
        ["migrate", "todos"],
        ["migrate", "--plan", "todos", "zero"],
        ["migrate", "--fake"],
        ["flush"],
        ["flush", "--no-input"],
        ["sqlflush"],
        ["showmigrations", "todos; DROP TABLE todos"],
        ["showmigrations", "Todos"],
        ["check", "--deploy", "--settings=x"],
        ["seed_todos", "--help"],
        ["seed_todos", "--owner", "not an email"],
        ["seed_todos", "--new-demo-password"],
        ["deactivate_user", "ann@example.com", "bob@example.com"],
        ["MIGRATE"],
        [],
        ["migrate", 1],
        "migrate",
        {"migrate": True},
        None,
    ],
)
def test_anything_else_is_not(argv: object) -> None:
    assert not allowed(argv)


def test_the_refusal_names_every_form() -> None:
    described = describe_forms()
    assert '["migrate"]' in described
    assert '["showmigrations", APP_LABEL]' in described
    assert described.count("[") == described.count("]") >= 9
