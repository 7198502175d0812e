"""The database schema for todos. Mapping to the domain lives in todos/adapters/orm.py."""

from django.conf import settings
from django.db import models

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


class IdempotencyKeyModel(models.Model):
    """One idempotency key of an owner's todo creations (todos/ports.py CreateRequests)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the request's JSON body
    created_at = models.DateTimeField()  # the key's first use: it lives 24 hours from here
    claimed_at = models.DateTimeField()
    claim = models.UUIDField()  # the token of the request that holds the key
    # The PostgreSQL session that made the claim (its backend's pid and start): once it
    # has ended with the claim still open, the request failed (its connection dropped)
    # and a retry may take the key over at once, rather than after STALE_CLAIM.
    holder_pid = models.IntegerField(null=True)
    holder_started_at = models.DateTimeField(null=True)
    # Once its request succeeded: the todo it created, and the todo as it was then (JSON),
    # which a repeat of the request gets back. The todo may since have been deleted.
    todo_id = models.UUIDField(null=True)
    created = models.TextField(null=True)  # noqa: DJ001 (NULL: the request is in flight)

    class Meta:
        db_table = "idempotency_keys"
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_keys_owner_key"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_keys_created_at")]

    def __str__(self) -> str:
        return f"{self.owner_id}/{self.key}"
