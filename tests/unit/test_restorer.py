"""`restorer` rebuilds a stored entity as it was stored, and refuses at startup an entity
it could not rebuild whole."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from uuid import uuid4

import pytest

from core.resources.domain import Owned, restorer
from tests.factories import EPOCH
from todos.domain import InvalidTitle, Todo

NAMES = ("id", "created_at", "updated_at", "version", "owner", "title", "completed")


def stored_values(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "id": uuid4(),
        "owner": uuid4(),
        "created_at": EPOCH,
        "updated_at": EPOCH + timedelta(seconds=1),
        "version": 3,
        "title": "Buy milk",
        "completed": True,
    }
    return values | changes


def test_a_restored_entity_equals_the_one_its_constructor_makes_of_the_same_values() -> None:
    values = stored_values()
    restored = restorer(Todo, NAMES)([values[name] for name in NAMES])
    assert type(restored) is Todo
    assert restored == Todo(**values)  # type: ignore[arg-type]
    assert hash(restored) == hash(Todo(**values))  # type: ignore[arg-type]


def test_values_follow_the_names_in_the_order_given() -> None:
    values = stored_values()
    names = tuple(reversed(NAMES))
    restored = restorer(Todo, names)([values[name] for name in names])
    assert dataclasses.asdict(restored) == values


def test_a_change_to_a_restored_entity_runs_the_rules_on_every_field() -> None:
    values = stored_values(title="  as stored  ")
    restored = restorer(Todo, NAMES)([values[name] for name in NAMES])
    later = EPOCH + timedelta(days=1)
    assert restored.changed(completed=False, now=later).title == "as stored"
    with pytest.raises(InvalidTitle):
        restored.changed(title=" ", now=later)


def test_it_is_restored_as_stored_without_running_the_checks_again() -> None:
    # The checks ran when it was made or changed; a row is what they let through.
    values = stored_values(title="  as stored  ")
    restored = restorer(Todo, NAMES)([values[name] for name in NAMES])
    assert restored.title == "  as stored  "


@pytest.mark.parametrize(
    "names",
    [NAMES[:-1], (*NAMES, "due_at"), (*NAMES[:-1], "title")],
    ids=["a field left out", "a name that is no field", "a field twice"],
)
def test_names_that_are_not_the_fields_each_once_are_refused(names: tuple[str, ...]) -> None:
    with pytest.raises(TypeError, match="Todo has the fields"):
        restorer(Todo, names)


def test_an_entity_without_slots_is_refused() -> None:
    @dataclass(frozen=True, kw_only=True)
    class Unslotted(Owned):
        title: str

    with pytest.raises(TypeError, match="slots=True"):
        restorer(Unslotted, (*NAMES[:-2], "title"))


def test_a_row_of_another_length_is_refused() -> None:
    values = stored_values()
    with pytest.raises(ValueError, match="zip"):
        restorer(Todo, NAMES)([values[name] for name in NAMES][:-1])
