"""The database schema for todos. Mapping to the domain lives in todos/adapters/orm.py."""

from django.conf import settings
from django.db import models

from core.resources import models as shared
from core.resources.models import OwnedModel
from todos.domain import TITLE_MAX_LENGTH, Todo


class TodoModel(OwnedModel):
    """One row of the `todos` table: a Todo, column for field (core/resources/orm.py)."""

    entity = Todo

    # Null only for todos created before accounts existed: no one sees them until
    # `manage.py assign_todos --to EMAIL` gives them to a user.
    # (Nullable here alone, where OwnedModel's owner is required.)
    owner = models.ForeignKey(  # type: ignore[assignment]
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    completed = models.BooleanField(default=False)

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


class IdempotencyKeyModel(shared.IdempotencyKeyModel):
    """One idempotency key of an owner's todo creations (todos/ports.py CreateRequests):
    the shared key's columns, with the created todo's id in `todo_id`."""

    created_id = None  # todos name it todo_id, as they did before the shared model
    todo_id = models.UUIDField(null=True)

    class Meta:
        db_table = "idempotency_keys"
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_keys_owner_key"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_keys_created_at")]
