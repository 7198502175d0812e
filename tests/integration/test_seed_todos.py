from io import StringIO

import pytest
from django.core.management import call_command

from todos.adapters.orm import DjangoTodoRepository
from todos.management.commands.seed_todos import SAMPLES
from todos.models import TodoModel
from todos.ports import TodoQuery

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_todos", stdout=out)
    return out.getvalue()


def snapshot() -> list[dict[str, object]]:
    return list(TodoModel.objects.order_by("id").values())


def test_seed_adds_sample_todos() -> None:
    assert "Seeded 5 todo(s); 0 already present." in seed()
    assert TodoModel.objects.count() == 5


def test_seeding_twice_leaves_the_same_rows() -> None:
    seed()
    first = snapshot()
    assert "Seeded 0 todo(s); 5 already present." in seed()
    assert snapshot() == first


def test_seed_neither_deletes_nor_overwrites_existing_todos() -> None:
    seed()
    sample = TodoModel.objects.order_by("created_at").first()
    assert sample is not None
    TodoModel.objects.filter(pk=sample.pk).update(title="Edited by a user", completed=True)
    TodoModel.objects.create(
        id="00000000-0000-0000-0000-000000000001",
        title="Mine",
        created_at=sample.created_at,
        updated_at=sample.created_at,
    )
    before = snapshot()
    seed()
    assert snapshot() == before


def test_samples_list_in_the_order_they_are_written() -> None:
    seed()
    page = DjangoTodoRepository().list(TodoQuery())
    assert [todo.title for todo in page.items] == [title for title, _ in SAMPLES]
