"""Sign-ins that race the revocations meant to end them, with real threads on PostgreSQL:
a password change and a logout end what they say, whatever overlaps them."""

from __future__ import annotations

import time

import pytest

from config.composition import adapters
from core.identity import services
from core.identity.domain import Actor, InvalidCredentials, InvalidRefreshToken, User
from core.identity.models import RefreshTokenModel, UserModel
from tests.conftest import PASSWORD
from tests.integration.threads import at_once

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "an entirely new passphrase"


@pytest.mark.argon2  # the real hasher: the change takes its real time, tens of ms
def test_no_sign_in_overlapping_a_password_change_survives_it(user: User) -> None:
    """A password change and 18 sign-ins with the old password, staggered a few ms apart
    around it: whichever sign-ins succeed, none of their refresh tokens refreshes."""

    change: dict[str, float] = {}
    started: list[float] = []

    def task(n: int) -> services.TokenPair | None:
        if n == 0:
            change["start"] = time.monotonic()
            services.change_password(
                adapters,
                actor=Actor(user_id=user.id),
                current_password=PASSWORD,
                new_password=NEW_PASSWORD,
                client_address="198.51.100.1",
            )
            change["end"] = time.monotonic()
            return None
        time.sleep(0.004 * n)
        started.append(time.monotonic())
        return services.sign_in(
            adapters, email=user.email, password=PASSWORD, client_address=f"192.0.2.{n}"
        )

    outcomes = at_once(task, threads=19, expected=(InvalidCredentials,))
    overlapping = [t for t in started if change["start"] < t < change["end"]]
    assert overlapping, "no sign-in started while the change ran: the race was not provoked"
    signed_in = [o for o in outcomes if isinstance(o, services.TokenPair)]
    for pair in signed_in:
        with pytest.raises(InvalidRefreshToken):
            services.refresh(adapters, refresh_token=pair.refresh_token)
    epoch = UserModel.objects.get(pk=user.id).session_epoch
    assert epoch == 1
    assert not RefreshTokenModel.objects.filter(user_id=user.id, session_epoch=epoch).exists()


def test_a_refresh_racing_a_logout_never_outlives_it(user: User) -> None:
    for round_ in range(8):
        pair = services.sign_in(
            adapters, email=user.email, password=PASSWORD, client_address=f"192.0.2.{round_}"
        )

        def task(n: int, token: str = pair.refresh_token) -> services.TokenPair | None:
            if n == 0:
                services.log_out(adapters, refresh_token=token)
                return None
            return services.refresh(adapters, refresh_token=token)

        outcomes = at_once(task, threads=2, expected=(InvalidRefreshToken,))
        successor = outcomes[1]
        if isinstance(successor, services.TokenPair):  # the refresh went first
            with pytest.raises(InvalidRefreshToken):
                services.refresh(adapters, refresh_token=successor.refresh_token)
        with pytest.raises(InvalidRefreshToken):
            services.refresh(adapters, refresh_token=pair.refresh_token)
