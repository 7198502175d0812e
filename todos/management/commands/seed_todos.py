"""manage.py seed_todos: add a few sample todos, once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from django.core.management.base import BaseCommand

from config.composition import adapters
from todos.domain import Todo

SAMPLES = (
    ("Read the README", True),
    ("Run the test suite", False),
    ("Open the API docs at /api/docs", False),
    ("Create a todo with POST /api/todos", False),
    ("Deploy to AWS with cdk deploy", False),
)
# Fixed ids make the command idempotent: a sample is added only if its id is absent.
SEED_NAMESPACE = uuid5(NAMESPACE_URL, "https://github.com/serverless-todo-api/seed")


class Command(BaseCommand):
    help = "Add sample todos that are not there yet. Never changes or deletes a todo."

    def handle(self, *args: Any, **options: Any) -> None:
        repository, now = adapters.todos, adapters.clock()
        added = 0
        for position, (title, completed) in enumerate(SAMPLES):
            todo_id = uuid5(SEED_NAMESPACE, title)
            if repository.get(todo_id) is not None:
                continue
            # One second apart, first sample newest: the list (newest first) shows
            # them in the order above.
            created_at = now - timedelta(seconds=position)
            repository.add(
                Todo(
                    id=todo_id,
                    title=title,
                    completed=completed,
                    created_at=created_at,
                    updated_at=created_at,
                )
            )
            added += 1
        self.stdout.write(f"Seeded {added} todo(s); {len(SAMPLES) - added} already present.")
