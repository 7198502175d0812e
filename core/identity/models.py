"""The database schema for identity. Mapping to the domain lives in adapters/orm.py."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models

from core.identity.domain import EMAIL_MAX_LENGTH


class UserModel(AbstractBaseUser):
    """One row of the `users` table: the project's user model (AUTH_USER_MODEL).

    Django's AbstractBaseUser brings the `password` column and Django's hashing;
    django.contrib.auth itself is not installed (no groups, permissions or sessions).
    """

    id = models.UUIDField(primary_key=True)
    email = models.CharField(max_length=EMAIL_MAX_LENGTH)  # as the user wrote it
    # The email as it identifies the account (core.identity.domain.email_key): unique, and
    # what the lookup reads, so that letter case never makes two accounts of one email.
    email_key = models.CharField(max_length=4 * EMAIL_MAX_LENGTH, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    # Moves on with every password change; refresh tokens of an earlier one are dead.
    session_epoch = models.IntegerField(default=0, db_default=0)
    # The cut-off the previous release checked refresh tokens against. Still written, so
    # that release stays right while a deploy runs; drop it in a later release.
    sessions_valid_after = models.DateTimeField(null=True)
    # Sign-ins are tracked by their refresh tokens, not by a last-login time.
    last_login = None

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    class Meta:
        db_table = "users"

    def __str__(self) -> str:
        return self.email


class RefreshTokenModel(models.Model):
    """One refresh token, by the SHA-256 of its value; never the value itself."""

    token_hash = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(UserModel, on_delete=models.CASCADE, related_name="+")
    family = models.UUIDField(db_index=True)
    signed_in_at = models.DateTimeField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    session_epoch = models.IntegerField(default=0, db_default=0)  # the user's, then
    used_at = models.DateTimeField(null=True)
    revoked_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "refresh_tokens"

    def __str__(self) -> str:
        return f"refresh token of {self.user_id}"


class SigningKeyModel(models.Model):
    """A key that signs access tokens. Created by the app itself, never configured."""

    kid = models.CharField(max_length=32, primary_key=True)
    secret = models.BinaryField()
    created_at = models.DateTimeField()

    class Meta:
        db_table = "signing_keys"

    def __str__(self) -> str:
        return self.kid


class SignInCounterModel(models.Model):
    """Sign-in attempts counted against one email (and client address), by a hash."""

    counter = models.CharField(max_length=80, primary_key=True)
    # The attempts within the window, oldest first, as microseconds since the epoch
    # separated by commas (at most the counter's limit: 100).
    attempts = models.TextField(default="")

    class Meta:
        db_table = "sign_in_counters"

    def __str__(self) -> str:
        return self.counter
