"""Passwords through Django's hashers: Argon2id at OWASP's parameters, and the same
hashing work whether the account exists or not."""

from typing import ClassVar

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.low_level import Type
from django.contrib.auth.hashers import MD5PasswordHasher
from pytest_django.fixtures import Settings

from core.identity.adapters.passwords import DjangoPasswords

SECRET = "correct horse battery staple"


@pytest.mark.argon2
def test_passwords_are_hashed_with_argon2id_at_owasp_parameters() -> None:
    encoded = DjangoPasswords().hash(SECRET)
    algorithm, hashed = encoded.split("$", 1)
    assert algorithm == "argon2"
    found = extract_parameters("$" + hashed)
    assert (found.type, found.memory_cost, found.time_cost, found.parallelism) == (
        Type.ID,
        19 * 1024,
        2,
        1,
    )
    assert DjangoPasswords().verify(SECRET, encoded)
    assert not DjangoPasswords().verify(SECRET + "!", encoded)


@pytest.mark.argon2
def test_a_hash_made_with_other_argon2_parameters_still_verifies() -> None:
    legacy = "argon2" + PasswordHasher(memory_cost=102400, parallelism=8).hash(SECRET)
    assert DjangoPasswords().verify(SECRET, legacy)


class CountingHasher(MD5PasswordHasher):
    """A real (fast) Django hasher that counts the hashes it computes."""

    algorithm = "counting_md5"
    computed: ClassVar[list[str]] = []

    def encode(self, password: str, salt: str) -> str:
        self.computed.append(password)
        return super().encode(password, salt)


def test_checking_against_no_hash_costs_one_hash_as_a_real_check_does(
    settings: Settings,
) -> None:
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    passwords = DjangoPasswords()
    stored = passwords.hash(SECRET)
    CountingHasher.computed.clear()
    assert passwords.verify(SECRET, stored) is True
    assert passwords.verify(SECRET, None) is False
    assert CountingHasher.computed == [SECRET, SECRET]
