"""Framework-free error base classes that domain code raises and core/http_errors maps."""


class DomainError(Exception):
    """Base for errors that a use case raises on purpose, as opposed to bugs."""


class NotFound(DomainError):
    """Raise when the thing asked for does not exist (or is not the actor's to see)."""


class InvalidInput(DomainError, ValueError):
    """Raise when a value breaks a domain rule; `field` names the offending input, and
    `source` where it came from: the request's `body` or its `query`.

    It is a ValueError too, so that validators (pydantic's among them) can apply a
    domain rule and report its message as their own.
    """

    def __init__(self, message: str, *, field: str, source: str = "body") -> None:
        super().__init__(message)
        self.field = field
        self.source = source


class Conflict(DomainError):
    """Raise when the request clashes with what exists (an email already registered)."""


class Unauthenticated(DomainError):
    """Raise when the caller is not who they need to be: no valid credentials.

    `token_refused` says that an access token was presented and refused, which the
    answer's `WWW-Authenticate` challenge reports as `error="invalid_token"`.
    """

    token_refused = False


class Forbidden(DomainError):
    """Raise when the caller is known but may not do this (a wrong current password)."""


class TooManyRequests(DomainError):
    """Raise when the caller must wait `retry_after` seconds before trying again."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadRequest(DomainError):
    """Raise when a request is malformed in a way no schema describes (a header's syntax)."""


class PreconditionFailed(DomainError):
    """Raise when a condition the client set on the request does not hold (If-Match)."""


class Unprocessable(DomainError):
    """Raise when a well-formed request cannot be served as sent (an idempotency key
    reused with another request)."""
