"""Framework-free error base classes that domain code raises and core/http_errors maps."""


class DomainError(Exception):
    """Base for errors that a use case raises on purpose, as opposed to bugs."""


class NotFound(DomainError):
    """Raise when the thing asked for does not exist (or is not the actor's to see)."""


class InvalidInput(DomainError, ValueError):
    """Raise when a value breaks a domain rule; `field` names the offending input.

    It is a ValueError too, so that validators (pydantic's among them) can apply a
    domain rule and report its message as their own.
    """

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field
