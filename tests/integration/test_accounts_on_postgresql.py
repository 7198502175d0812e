"""Accounts on PostgreSQL with real threads: what every Lambda instance shares holds
under concurrency (throttling, refresh-token spending, signing keys), and the commands
an operator runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from io import StringIO

import jwt
import pytest
from django.core.management import call_command
from django.test import Client

from config.composition import Adapters, adapters, database_adapters
from core.identity import services
from core.identity.adapters.orm import DjangoSigningKeys
from core.identity.domain import InvalidCredentials, InvalidRefreshToken, SignInLocked, User
from core.identity.models import SigningKeyModel
from core.identity.tokens import KeyRing
from tests.conftest import PASSWORD
from tests.integration.threads import at_once

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def new_instance() -> Adapters:
    """The adapters of another Lambda instance: nothing cached in this process."""
    return replace(database_adapters(), keys=KeyRing(DjangoSigningKeys(), clock=adapters.clock))


def test_concurrent_failed_sign_ins_count_one_after_the_other(user: User) -> None:
    outcomes = at_once(
        lambda n: services.sign_in(
            adapters, email=user.email, password="not the password", client_address="192.0.2.1"
        ),
        threads=12,
        expected=(InvalidCredentials, SignInLocked),
    )
    kinds = sorted(type(outcome).__name__ for outcome in outcomes)
    assert kinds == ["InvalidCredentials"] * 5 + ["SignInLocked"] * 7
    with pytest.raises(SignInLocked):
        services.sign_in(adapters, email=user.email, password=PASSWORD, client_address="192.0.2.1")


def test_a_refresh_token_presented_by_several_at_once_is_spent_once_and_ends_its_sign_in(
    user: User,
) -> None:
    pair = services.sign_in(
        adapters, email=user.email, password=PASSWORD, client_address="192.0.2.1"
    )
    outcomes = at_once(
        lambda n: services.refresh(adapters, refresh_token=pair.refresh_token),
        threads=6,
        expected=(InvalidRefreshToken,),
    )
    winners = [o for o in outcomes if isinstance(o, services.TokenPair)]
    assert len(winners) == 1
    assert all(isinstance(o, InvalidRefreshToken) for o in outcomes if o not in winners)
    # The others presented a spent token: the sign-in is over, the winner's new token too.
    with pytest.raises(InvalidRefreshToken):
        services.refresh(adapters, refresh_token=winners[0].refresh_token)


def test_instances_that_start_together_each_sign_with_a_key_the_others_accept(
    user: User,
) -> None:
    def sign_in_on_a_new_instance(n: int) -> str:
        instance = replace(
            database_adapters(), keys=KeyRing(DjangoSigningKeys(), clock=adapters.clock)
        )
        pair = services.sign_in(
            instance, email=user.email, password=PASSWORD, client_address=f"192.0.2.{n}"
        )
        return pair.access_token

    tokens = at_once(sign_in_on_a_new_instance, threads=4)
    assert all(isinstance(token, str) for token in tokens), tokens
    assert SigningKeyModel.objects.count() >= 1
    another = new_instance()
    for token in tokens:
        assert services.verify_access_token(another, token=token).user_id == user.id


def test_rotate_signing_key_keeps_earlier_tokens_valid(user: User) -> None:
    pair = services.sign_in(adapters, email=user.email, password=PASSWORD, client_address="::1")
    out = StringIO()
    call_command("rotate_signing_key", stdout=out)
    assert "Signing with a new key; 0 previous key(s) deleted." in out.getvalue()
    assert SigningKeyModel.objects.count() == 2
    fresh = new_instance()
    assert services.verify_access_token(fresh, token=pair.access_token).user_id == user.id
    newer = services.sign_in(fresh, email=user.email, password=PASSWORD, client_address="::1")
    newest_kid = SigningKeyModel.objects.order_by("-created_at").values_list("kid", flat=True)[0]
    assert newest_kid in _kid(newer.access_token)


def _kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def test_deactivate_user_ends_sign_ins_and_refuses_the_access_token_at_once(
    user: User, access_token: Callable[[User], str]
) -> None:
    pair = services.sign_in(adapters, email=user.email, password=PASSWORD, client_address="::1")
    out = StringIO()
    call_command("deactivate_user", "ANN@example.com", stdout=out)
    assert "Deactivated ANN@example.com." in out.getvalue()
    with pytest.raises(InvalidCredentials):
        services.sign_in(adapters, email=user.email, password=PASSWORD, client_address="::1")
    with pytest.raises(InvalidRefreshToken):
        services.refresh(adapters, refresh_token=pair.refresh_token)
    answer = Client(headers={"Authorization": f"Bearer {pair.access_token}"}).get("/api/todos")
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_purge_expired_deletes_only_what_no_request_can_use(user: User) -> None:
    pair = services.sign_in(adapters, email=user.email, password=PASSWORD, client_address="::1")
    out = StringIO()
    call_command("purge_expired", stdout=out)
    assert "Deleted 0 expired refresh token(s)" in out.getvalue()
    assert services.refresh(adapters, refresh_token=pair.refresh_token).access_token
