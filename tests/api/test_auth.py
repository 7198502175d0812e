"""The "Accounts and tokens" rows of API.md, through Django's URLconf and middleware."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.test import Client

from config.composition import Adapters, serving
from core.identity.domain import User
from core.identity.ports import Passwords
from tests.conftest import PASSWORD

AUTH = "/api/auth"
JSON = "application/json"


def post(client: Client, path: str, body: Any, **headers: str) -> Any:
    return client.post(f"{AUTH}{path}", body, content_type=JSON, headers=headers)


def sign_in(client: Client, email: str = "ann@example.com", password: str = PASSWORD) -> Any:
    return post(client, "/token", {"email": email, "password": password})


def assert_challenge(response: Any, *, token_refused: bool) -> None:
    assert response.status_code == 401
    assert response["Content-Type"].startswith(JSON)
    assert isinstance(response.json()["detail"], str)
    expected = 'Bearer error="invalid_token"' if token_refused else "Bearer"
    assert response["WWW-Authenticate"] == expected


# --- POST /api/auth/register ---------------------------------------------------------------


def test_register_answers_201_with_the_account_and_never_the_password(anonymous: Client) -> None:
    response = post(anonymous, "/register", {"email": " Ann@Example.com", "password": PASSWORD})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "created_at"}
    assert body["email"] == "Ann@Example.com"
    assert body["created_at"].endswith("Z")
    assert PASSWORD not in response.content.decode()


def test_register_with_a_taken_email_in_any_case_is_409(anonymous: Client, user: User) -> None:
    response = post(anonymous, "/register", {"email": "ANN@example.com", "password": PASSWORD})
    assert response.status_code == 409
    assert response.json() == {"detail": "Email already registered"}


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, ["body", "payload", "email"]),
        ({"email": "ann\x07@example.com", "password": PASSWORD}, ["body", "payload", "email"]),
        ({"email": "a" * 250 + "@example.com", "password": PASSWORD}, ["body", "payload", "email"]),
        ({"email": "ann@example.com", "password": "short"}, ["body", "payload", "password"]),
        ({"email": "ann@example.com", "password": "password"}, ["body", "payload", "password"]),
        ({"email": "ann@example.com", "password": "31415926535"}, ["body", "payload", "password"]),
        ({"email": "ann@example.com", "password": "annexample"}, ["body", "payload", "password"]),
        ({"email": "ann@example.com", "password": "x" * 10_000}, ["body", "payload", "password"]),
        ({"email": "ann@example.com", "password": None}, ["body", "payload", "password"]),
        ({"email": None, "password": PASSWORD}, ["body", "payload", "email"]),
        ({"email": "ann@example.com"}, ["body", "payload", "password"]),
        (
            {"email": "ann@example.com", "password": PASSWORD, "admin": True},
            ["body", "payload", "admin"],
        ),
        (["ann@example.com", PASSWORD], ["body", "payload"]),
    ],
)
def test_register_refuses_bad_input_with_422_and_creates_nothing(
    anonymous: Client, in_memory: Adapters, body: Any, location: list[str]
) -> None:
    response = post(anonymous, "/register", body)
    assert response.status_code == 422
    assert [issue["loc"] for issue in response.json()["detail"]] == [location]
    assert in_memory.users.by_email("ann@example.com") is None


def test_malformed_json_is_400_and_a_form_body_415(anonymous: Client) -> None:
    response = anonymous.post(f"{AUTH}/register", '{"email": ', content_type=JSON)
    assert (response.status_code, response.json()) == (400, {"detail": "Cannot parse request body"})
    form = anonymous.post(f"{AUTH}/token", {"email": "a@b.c", "password": "x"})
    assert form.status_code == 415


# --- POST /api/auth/token ------------------------------------------------------------------


def test_signing_in_answers_a_token_pair_that_is_not_cached(anonymous: Client, user: User) -> None:
    response = sign_in(anonymous, email="ANN@example.com")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "refresh_expires_in",
    }
    assert (body["token_type"], body["expires_in"], body["refresh_expires_in"]) == (
        "Bearer",
        900,
        2_592_000,
    )
    me = anonymous.get(f"{AUTH}/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["id"] == str(user.id)


@pytest.mark.parametrize(
    ("email", "password"),
    [("ann@example.com", "not the password"), ("nobody@example.com", PASSWORD)],
    ids=["wrong password", "unknown email"],
)
def test_a_failed_sign_in_is_401_with_one_message_for_every_cause(
    anonymous: Client, user: User, email: str, password: str
) -> None:
    response = sign_in(anonymous, email, password)
    assert_challenge(response, token_refused=False)
    assert response.json() == {"detail": "Invalid email or password"}


def test_a_deactivated_account_gets_the_same_401(
    anonymous: Client, user: User, in_memory: Adapters
) -> None:
    in_memory.users.deactivate(user.id)
    assert sign_in(anonymous).json() == {"detail": "Invalid email or password"}


def test_five_failures_answer_429_with_retry_after_even_to_the_right_password(
    anonymous: Client, user: User
) -> None:
    for _ in range(5):
        assert sign_in(anonymous, password="not the password").status_code == 401
    locked = sign_in(anonymous)
    assert locked.status_code == 429
    assert 890 <= int(locked["Retry-After"]) <= 900
    assert locked.json()["detail"]


def test_the_client_address_is_the_peers_not_x_forwarded_for(anonymous: Client, user: User) -> None:
    for n in range(5):
        response = anonymous.post(
            f"{AUTH}/token",
            {"email": "ann@example.com", "password": "not the password"},
            content_type=JSON,
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )
        assert response.status_code == 401
    elsewhere = anonymous.post(
        f"{AUTH}/token",
        {"email": "ann@example.com", "password": PASSWORD},
        content_type=JSON,
        headers={"X-Forwarded-For": "198.51.100.99"},
    )
    assert elsewhere.status_code == 429  # the five came from one peer, whatever they claimed
    other_peer = anonymous.post(
        f"{AUTH}/token",
        {"email": "ann@example.com", "password": PASSWORD},
        content_type=JSON,
        REMOTE_ADDR="198.51.100.99",
    )
    assert other_peer.status_code == 200


# --- POST /api/auth/refresh and /logout ----------------------------------------------------


def test_refresh_spends_the_token_and_reuse_ends_the_sign_in(anonymous: Client, user: User) -> None:
    first = sign_in(anonymous).json()
    second = post(anonymous, "/refresh", {"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    assert second["Cache-Control"] == "no-store"
    replayed = post(anonymous, "/refresh", {"refresh_token": first["refresh_token"]})
    assert_challenge(replayed, token_refused=False)
    descendant = post(anonymous, "/refresh", {"refresh_token": second.json()["refresh_token"]})
    assert descendant.status_code == 401


@pytest.mark.parametrize(
    "body",
    [{}, {"refresh_token": 5}, {"refresh_token": None}, {"refresh_token": "x", "more": 1}],
    ids=["missing", "number", "null", "unknown-field"],
)
def test_a_malformed_refresh_body_is_422(anonymous: Client, body: Any) -> None:
    assert post(anonymous, "/refresh", body).status_code == 422
    assert post(anonymous, "/logout", body).status_code == 422


@pytest.mark.parametrize("kind", ["access-token", "empty", "long"])
def test_any_string_that_is_no_refresh_token_is_401_and_logs_nothing_out(
    anonymous: Client, user: User, kind: str
) -> None:
    pair = sign_in(anonymous).json()
    value = {"access-token": pair["access_token"], "empty": "", "long": "x" * 5000}[kind]
    assert_challenge(post(anonymous, "/refresh", {"refresh_token": value}), token_refused=False)
    assert post(anonymous, "/logout", {"refresh_token": value}).status_code == 204
    assert post(anonymous, "/refresh", {"refresh_token": pair["refresh_token"]}).status_code == 200


def test_logout_needs_no_access_token_and_is_204_for_any_token(
    anonymous: Client, user: User
) -> None:
    pair = sign_in(anonymous).json()
    for _ in range(2):
        response = post(anonymous, "/logout", {"refresh_token": pair["refresh_token"]})
        assert (response.status_code, response.content) == (204, b"")
    assert post(anonymous, "/refresh", {"refresh_token": pair["refresh_token"]}).status_code == 401
    assert post(anonymous, "/logout", {"refresh_token": "unknown"}).status_code == 204


# --- GET /api/auth/me and POST /api/auth/password ------------------------------------------


def test_me_answers_the_account(client: Client, user: User) -> None:
    response = client.get(f"{AUTH}/me")
    assert response.status_code == 200
    assert response.json() == {
        "id": str(user.id),
        "email": "ann@example.com",
        "created_at": response.json()["created_at"],
    }


def test_changing_the_password_is_204_and_ends_every_sign_in(
    client: Client, anonymous: Client, user: User
) -> None:
    pair = sign_in(anonymous).json()
    body = {"current_password": PASSWORD, "new_password": "a completely new secret"}
    response = post(client, "/password", body)
    assert (response.status_code, response.content) == (204, b"")
    assert post(anonymous, "/refresh", {"refresh_token": pair["refresh_token"]}).status_code == 401
    assert sign_in(anonymous).status_code == 401
    assert sign_in(anonymous, password="a completely new secret").status_code == 200


def test_a_wrong_current_password_is_403(client: Client) -> None:
    body = {"current_password": "not it", "new_password": "a completely new secret"}
    response = post(client, "/password", body)
    assert response.status_code == 403
    assert response.json() == {"detail": "Current password is incorrect"}


def test_a_new_password_the_rules_refuse_is_422(client: Client) -> None:
    response = post(client, "/password", {"current_password": PASSWORD, "new_password": "123"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "payload", "new_password"]


class CountingPasswords:
    """The served password hasher, counting each hash and verification it is asked for."""

    def __init__(self, inner: Passwords) -> None:
        self.inner = inner
        self.calls = 0

    def hash(self, password: str) -> str:
        self.calls += 1
        return self.inner.hash(password)

    def verify(self, password: str, password_hash: str | None) -> bool:
        self.calls += 1
        return self.inner.verify(password, password_hash)

    def check_rules(self, password: str, *, email: str, field: str = "password") -> None:
        self.inner.check_rules(password, email=email, field=field)


HUGE = "x" * 10_000


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/register", {"email": "bob@example.com", "password": HUGE}),
        ("/token", {"email": "ann@example.com", "password": HUGE}),
        ("/password", {"current_password": HUGE, "new_password": "a completely new secret"}),
        ("/password", {"current_password": PASSWORD, "new_password": HUGE}),
    ],
)
def test_a_10_kb_password_is_refused_before_anything_hashes_it(
    client: Client, in_memory: Adapters, path: str, body: dict[str, str]
) -> None:
    counting = CountingPasswords(in_memory.passwords)
    with serving(replace(in_memory, passwords=counting)):
        response = post(client, path, body)
        assert response.status_code == 422
        assert counting.calls == 0
        # The counter does see the hasher: an ordinary wrong password is verified.
        wrong = post(client, "/token", {"email": "ann@example.com", "password": "not it, though"})
    assert wrong.status_code == 401
    assert counting.calls >= 1


# --- Bearer authentication -----------------------------------------------------------------

PROTECTED = [
    ("get", "/api/todos"),
    ("post", "/api/todos"),
    ("get", "/api/todos/5b0c0c1e-8f1e-4a57-9d6c-1f8f1b1e2a10"),
    ("patch", "/api/todos/5b0c0c1e-8f1e-4a57-9d6c-1f8f1b1e2a10"),
    ("delete", "/api/todos/5b0c0c1e-8f1e-4a57-9d6c-1f8f1b1e2a10"),
    ("get", "/api/auth/me"),
    ("post", "/api/auth/password"),
]


BODIES = {
    "/api/auth/password": {"current_password": PASSWORD, "new_password": "a new secret here"},
    "/api/todos": {"title": "x"},
}


def call(client: Client, method: str, path: str, **headers: str) -> Any:
    body = BODIES.get(path, {"title": "x"}) if method in ("post", "patch") else None
    return getattr(client, method)(path, body, content_type=JSON, headers=headers)


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_without_a_token_every_protected_operation_is_401_bearer(
    anonymous: Client, method: str, path: str
) -> None:
    assert_challenge(call(anonymous, method, path), token_refused=False)


@pytest.mark.parametrize(
    "authorization",
    ["Basic YW5uOnNlY3JldA==", "Token abc", "bearer", "Digest username=ann"],
)
def test_another_scheme_is_401_bearer_and_never_logged(
    anonymous: Client, authorization: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = call(anonymous, "get", "/api/todos", Authorization=authorization)
    assert_challenge(response, token_refused=False)
    assert authorization not in caplog.text


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "a.b.c",
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0.",
        "x" * 10_000,
        "two tokens",
    ],
)
def test_a_refused_bearer_token_is_401_invalid_token(anonymous: Client, token: str) -> None:
    response = call(anonymous, "get", "/api/todos", Authorization=f"Bearer {token}")
    assert_challenge(response, token_refused=True)


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_a_deactivated_users_token_is_refused_everywhere(
    client: Client, user: User, in_memory: Adapters, method: str, path: str
) -> None:
    in_memory.users.deactivate(user.id)
    assert_challenge(call(client, method, path), token_refused=True)


def test_the_docs_need_no_token(anonymous: Client) -> None:
    assert anonymous.get("/api/openapi.json").status_code == 200
    assert anonymous.get("/api/docs").status_code == 200
