"""The database schema for todos. Mapping to the domain lives in todos/adapters/orm.py."""

from django.db import models

from todos.domain import TITLE_MAX_LENGTH


class TodoModel(models.Model):
    """One row of the `todos` table."""

    id = models.UUIDField(primary_key=True)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    completed = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "todos"
        indexes = [
            # Serves the list ordering (newest first, id as tie-breaker) and its LIMIT/OFFSET.
            models.Index(fields=["-created_at", "-id"], name="todos_newest_first"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(title=""), name="todos_title_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title
