"""The Passwords port over Django's password hashers and validators."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from core.identity.domain import InvalidPassword
from core.identity.models import UserModel


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's parameters: 19 MiB of memory, 2 iterations, 1 lane.

    Django's own defaults (100 MiB, 8 lanes) cost about a second on a 512 MB Lambda
    function's share of a CPU; these keep a sign-in to tens of milliseconds
    (docs/auth.md has the measured cost). The algorithm name stays `argon2`, so Django
    reads every Argon2 hash and knows one with other parameters needs updating.
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1


class DjangoPasswords:
    """Hash with settings.PASSWORD_HASHERS; judge with settings.AUTH_PASSWORD_VALIDATORS."""

    def hash(self, password: str) -> str:
        """Return a slow, salted hash of the password."""
        return make_password(password)

    def verify(self, password: str, password_hash: str | None) -> bool:
        """Tell whether the password matches; with no hash, hash anyway and say no."""
        if password_hash is None:
            make_password(password)  # as long as a real check, so timing tells nothing
            return False
        return check_password(password, password_hash)

    def check_rules(self, password: str, *, email: str, field: str = "password") -> None:
        """Refuse a password the validators refuse, with all their reasons.

        :raises InvalidPassword: naming `field`.
        """
        try:
            # An unsaved account: what the similarity validator compares the password with.
            validate_password(password, user=UserModel(email=email))
        except ValidationError as error:
            raise InvalidPassword(" ".join(error.messages), field=field) from None
