"""The /api/auth endpoints, and the bearer authentication of every protected operation.

`build_router` and `BearerAuth` receive what they need from the composition root
(config/composition.py) and read it on every request.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.security.base import AuthBase
from pydantic import AfterValidator, ConfigDict

from core.http_errors import documented_responses
from core.identity import services
from core.identity.domain import (
    EMAIL_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    Actor,
    InvalidAccessToken,
    clean_email,
)
from core.identity.services import Accounts, TokenPair
from core.schemas import Timestamp

Email = Annotated[
    str,
    Field(max_length=EMAIL_MAX_LENGTH + 64, description="Compared without regard to case."),
    AfterValidator(clean_email),
]
Password = Annotated[str, Field(max_length=PASSWORD_MAX_LENGTH)]
# Any string: one that is not a refresh token this app issued (an access token sent by
# mistake, an empty one) is an unknown token, answered 401 like any other. The body's
# size limit bounds it.
RefreshTokenValue = str
NO_STORE = {200: {"Cache-Control": "no-store: a token pair must not be cached."}}


class _Body(Schema):
    model_config = ConfigDict(extra="forbid")


class CredentialsIn(_Body):
    """An email and a password."""

    email: Email
    password: Password


class RefreshIn(_Body):
    """A refresh token from a token pair."""

    refresh_token: RefreshTokenValue


class PasswordChangeIn(_Body):
    """The current password, to prove it is the user, and the new one."""

    current_password: Password
    new_password: Password


class UserOut(Schema):
    """An account."""

    id: UUID
    email: str
    created_at: Timestamp


class TokenPairOut(Schema):
    """An access token to send as `Authorization: Bearer ...`, and a refresh token."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (the scheme's name)
    expires_in: int = Field(description="Seconds the access token stays valid.")
    refresh_token: str
    refresh_expires_in: int = Field(description="Seconds the refresh token stays valid.")


class BearerAuth(AuthBase):
    """`Authorization: Bearer <access token>`, verified without a database round trip.

    No header, or one of another scheme, is answered 401 with a plain `Bearer`
    challenge; a Bearer token that fails verification, 401 with `invalid_token`.
    The header's value is never logged.
    """

    openapi_type = "http"
    openapi_scheme = "bearer"
    openapi_bearerFormat = "JWT"  # noqa: N815 (Ninja reads OpenAPI's own name)

    def __init__(self, accounts: Accounts) -> None:
        super().__init__()
        self.accounts = accounts

    def __call__(self, request: HttpRequest) -> Actor | None:
        """Return the actor the request's access token names, or None without one."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        # Two Authorization headers arrive joined by a comma, which no token contains.
        token = token.strip()
        if not token:
            return None
        if "," in token or " " in token:
            raise InvalidAccessToken
        return services.verify_access_token(self.accounts, token=token)


def actor_of(request: HttpRequest) -> Actor:
    """Return the actor BearerAuth found for this request."""
    actor = getattr(request, "auth", None)
    assert isinstance(actor, Actor), "the operation must require BearerAuth"
    return actor


def build_router(accounts: Accounts, *, auth: BearerAuth) -> Router:
    """Return the /api/auth router, serving from `accounts`."""
    router = Router(tags=["auth"])

    @router.post(
        "/register",
        response={201: UserOut},
        operation_id="register",
        openapi_extra=documented_responses((400, 409, 413, 415, 422)),
        summary="Create an account",
    )
    def register(request: HttpRequest, payload: CredentialsIn) -> Status[Any]:
        """Create an account with an email (unique whatever its letter case) and a password
        of 8 to 256 characters that is not too common, not all digits and not too close
        to the email. Sign in with `POST /api/auth/token`."""
        user = services.register(accounts, email=payload.email, password=payload.password)
        return Status(201, user)

    @router.post(
        "/token",
        response={200: TokenPairOut},
        operation_id="create_token",
        openapi_extra=documented_responses(
            (400, 401, 413, 415, 422, 429),
            {**NO_STORE, 429: {"Retry-After": "Seconds until sign-ins are accepted again."}},
        ),
        summary="Sign in",
    )
    def create_token(
        request: HttpRequest, payload: CredentialsIn, response: HttpResponse
    ) -> TokenPair:
        """Sign in with an email and password; answer a token pair. After 5 failures for
        one email from one address in 15 minutes (or 100 for one email in an hour),
        sign-ins for it are answered 429 with `Retry-After` until the window ends."""
        pair = services.sign_in(
            accounts,
            email=payload.email,
            password=payload.password,
            client_address=client_address(request),
        )
        response["Cache-Control"] = "no-store"
        return pair

    @router.post(
        "/refresh",
        response={200: TokenPairOut},
        operation_id="refresh_token",
        openapi_extra=documented_responses((400, 401, 413, 415, 422), NO_STORE),
        summary="Refresh a token pair",
    )
    def refresh_token(
        request: HttpRequest, payload: RefreshIn, response: HttpResponse
    ) -> TokenPair:
        """Spend a refresh token for a new token pair. Each refresh token works once:
        presenting one again ends its whole sign-in."""
        pair = services.refresh(accounts, refresh_token=payload.refresh_token)
        response["Cache-Control"] = "no-store"
        return pair

    @router.post(
        "/logout",
        response={204: None},
        operation_id="logout",
        openapi_extra=documented_responses((400, 413, 415, 422)),
        summary="Sign out",
    )
    def logout(request: HttpRequest, payload: RefreshIn) -> Status[None]:
        """End the sign-in a refresh token belongs to. Needs no access token; an unknown
        or revoked refresh token is answered 204 too."""
        services.log_out(accounts, refresh_token=payload.refresh_token)
        return Status(204, None)

    @router.get(
        "/me",
        auth=auth,
        response={200: UserOut},
        operation_id="get_me",
        openapi_extra=documented_responses((401,), authenticated=True),
        summary="The signed-in account",
    )
    def get_me(request: HttpRequest) -> Any:
        """Answer the account the access token belongs to."""
        return services.current_user(accounts, actor=actor_of(request))

    @router.post(
        "/password",
        auth=auth,
        response={204: None},
        operation_id="change_password",
        openapi_extra=documented_responses(
            (400, 401, 403, 413, 415, 422, 429),
            {429: {"Retry-After": "Seconds until password guesses are accepted again."}},
            authenticated=True,
        ),
        summary="Change the password",
    )
    def change_password(request: HttpRequest, payload: PasswordChangeIn) -> Status[None]:
        """Change the password; every sign-in of the account ends (refresh tokens are
        revoked; access tokens run out within their lifetime). A wrong current password
        counts as a failed sign-in, and is answered 429 once sign-ins would be."""
        services.change_password(
            accounts,
            actor=actor_of(request),
            current_password=payload.current_password,
            new_password=payload.new_password,
            client_address=client_address(request),
        )
        return Status(204, None)

    return router


def client_address(request: HttpRequest) -> str:
    """Return the client's address: the socket peer locally, API Gateway's
    `requestContext.identity.sourceIp` on Lambda (Mangum's ASGI `client`). Never a
    client-sent X-Forwarded-For, which anyone can set."""
    return str(request.META.get("REMOTE_ADDR") or "")
