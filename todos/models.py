"""The database schema for todos. Mapping to the domain lives in todos/adapters/orm.py."""

from django.conf import settings
from django.db import models

from todos.domain import TITLE_MAX_LENGTH


class TodoModel(models.Model):
    """One row of the `todos` table."""

    id = models.UUIDField(primary_key=True)
    # Null only for todos created before accounts existed: no one sees them until
    # `manage.py assign_todos --to EMAIL` gives them to a user.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    completed = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "todos"
        indexes = [
            # Serves an owner's list (newest first, id as tie-breaker), its LIMIT/OFFSET
            # and its COUNT; the owner's column leads, so the foreign key needs no other.
            models.Index(fields=["owner", "-created_at", "-id"], name="todos_owner_newest_first"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(title=""), name="todos_title_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title
