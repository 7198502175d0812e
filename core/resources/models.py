"""The columns every owned resource's table has, and its idempotency keys' table.

A resource's model extends `OwnedModel` with its own fields and names its entity, which
the ORM adapter maps it to column by column (core/resources/orm.py).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from core.resources.domain import Owned


class OwnedModel(models.Model):
    """One row of an owned resource: the fields of `Owned`, and `entity`, its dataclass."""

    entity: ClassVar[type[Owned]]

    id = models.UUIDField(primary_key=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Moves on with every change; the API shows it as the ETag.
    version = models.PositiveIntegerField(default=1, db_default=1)

    class Meta:
        abstract = True
        indexes = [
            # Serves an owner's list (newest first, id as tie-breaker), its LIMIT/OFFSET
            # and its COUNT; the owner's column leads, so the foreign key needs no other.
            models.Index(fields=["owner", "-created_at", "-id"], name="%(app_label)s_owner_newest"),
        ]

    def __str__(self) -> str:
        return str(self.id)


class IdempotencyKeyModel(models.Model):
    """One idempotency key of an owner's creations (core/resources/ports.py CreateRequests)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the request's JSON body
    created_at = models.DateTimeField()  # the key's first use: it lives 24 hours from here
    claimed_at = models.DateTimeField()
    claim = models.UUIDField()  # the token of the request that holds the key
    # The PostgreSQL session that made the claim: its backend's pid, and the server's time
    # when it claimed, at which that session was alive. Once no session with that pid
    # started at or before that time remains, the request failed with its connection and
    # a retry may take the key over at once, rather than after STALE_CLAIM.
    holder_pid = models.IntegerField(null=True)
    holder_seen_at = models.DateTimeField(null=True)
    # Once its request succeeded: what it created, and that as it was then (JSON), which a
    # repeat of the request gets back. It may since have been deleted.
    created_id = models.UUIDField(null=True)
    created = models.TextField(null=True)  # noqa: DJ001 (NULL: the request is in flight)

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="%(app_label)s_owner_key"),
        ]
        indexes = [models.Index(fields=["created_at"], name="%(app_label)s_key_created_at")]

    def __str__(self) -> str:
        return self.key
