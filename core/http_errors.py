"""Every mapping from an exception or a non-JSON error to an HTTP response, in one place.

Error bodies are JSON with a `detail` key, as API.md requires: a string, or Ninja's list
of `{"loc", "msg", "type"}` objects for validation errors. Nothing from an exception's
text reaches a client, since it may carry SQL, host names or credentials.
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError
from ninja.openapi.schema import OpenAPISchema
from ninja.schema import NinjaGenerateJsonSchema
from pydantic.json_schema import models_json_schema

from core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    TooManyRequests,
    Unauthenticated,
    Unprocessable,
)

logger = logging.getLogger(__name__)

# How long a client should wait before retrying while the database is unreachable.
RETRY_AFTER_SECONDS = 5
JSON_UTF8 = "application/json; charset=utf-8"
# Errors that mean "the database cannot be reached right now", not "the request is wrong".
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


class ErrorOut(Schema):
    """An error with a human-readable explanation."""

    detail: str


class ValidationIssue(Schema):
    """One reason a request failed validation."""

    loc: list[str | int]
    msg: str
    type: str
    ctx: dict[str, Any] | None = None


class ValidationErrorOut(Schema):
    """A request that failed validation, with every reason."""

    detail: list[ValidationIssue]


RETRY_AFTER = {"Retry-After": "Seconds to wait before retrying."}
CHALLENGE = {
    "WWW-Authenticate": 'Bearer, with error="invalid_token" when the access token was refused.'
}


def documented_headers(
    extra: Mapping[int, Mapping[str, str]] | None = None, *, authenticated: bool = False
) -> dict[str, Any]:
    """Return OpenAPI extras that document response headers by status code:
    `Retry-After` on 503, `WWW-Authenticate` on 401 when `authenticated`, plus any
    `extra` ones ({status: {header: description}})."""
    described: dict[int, Mapping[str, str]] = {503: RETRY_AFTER}
    if authenticated:
        described[401] = CHALLENGE
    described.update(extra or {})
    return {
        "responses": {
            status: {
                "headers": {
                    name: {"description": description, "schema": {"type": "string"}}
                    for name, description in headers.items()
                }
            }
            for status, headers in described.items()
        }
    }


ERROR_BODIES: tuple[type[Schema], ...] = (ErrorOut, ValidationErrorOut)
COMPONENT = "#/components/schemas/{model}"


def documented_responses(
    errors: Iterable[int] = (),
    headers: Mapping[int, Mapping[str, str]] | None = None,
    *,
    authenticated: bool = False,
    bodies: Mapping[int, Sequence[type[Schema]]] | None = None,
) -> dict[str, Any]:
    """Return an operation's `openapi_extra`: the error answers it can give (`errors`,
    plus 500 and 503) with their JSON bodies, and the headers its answers carry
    (`documented_headers`).

    An error's body is ErrorOut, or ValidationErrorOut for 422, unless `bodies` gives a
    status others (any one of them).

    The error bodies are written into the document here rather than declared with
    Ninja's `response=`: for those Ninja builds a pydantic model per operation and status
    (75 in this API), which made the first request of every instance slower, only to
    check bodies that no view returns (the handlers below render every error). Building
    the URL configuration took 148 ms with them and 104 without, on the Lambda bundle
    (`uv run python bench/startup.py --baseline 3cfc1ae`, 21 runs, 2026-11-30).
    Their schemas reach the document's components through DocumentedErrorsAPI.
    """
    chosen: dict[int, Sequence[type[Schema]]] = {
        code: (ValidationErrorOut if code == 422 else ErrorOut,) for code in {*errors, 500, 503}
    }
    chosen.update(bodies or {})
    responses: dict[int, dict[str, Any]] = {}
    for code, models in sorted(chosen.items()):
        refs = [{"$ref": COMPONENT.format(model=model.__name__)} for model in models]
        responses[code] = {
            "description": http.client.responses[code],
            "content": {
                "application/json": {"schema": refs[0] if len(refs) == 1 else {"anyOf": refs}}
            },
        }
    for code, described in documented_headers(headers, authenticated=authenticated)[
        "responses"
    ].items():
        responses.setdefault(code, {}).update(described)
    return {"responses": responses}


def error_components() -> dict[str, Any]:
    """Return the JSON schemas of the error bodies (ErrorOut, ValidationErrorOut and what
    they contain), named as `documented_responses` refers to them."""
    _, schemas = models_json_schema(
        [(model, "serialization") for model in ERROR_BODIES],
        ref_template=COMPONENT,
        schema_generator=NinjaGenerateJsonSchema,
    )
    return dict(schemas["$defs"])


class DocumentedErrorsAPI(NinjaAPI):
    """A NinjaAPI whose OpenAPI document also holds the error bodies' schemas, which
    operations refer to through `documented_responses`."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        """Return Ninja's document, with the error bodies among its components."""
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document["components"].setdefault("schemas", {}).update(error_components())
        return document


def error_response(status: int, detail: Any) -> JsonResponse:
    """Build a JSON error response."""
    return JsonResponse({"detail": detail}, status=status, content_type=JSON_UTF8)


def unauthenticated_response(detail: str, *, token_refused: bool) -> JsonResponse:
    """Answer 401 with the Bearer challenge (RFC 6750), naming a refused token as such."""
    response = error_response(401, detail)
    response["WWW-Authenticate"] = 'Bearer error="invalid_token"' if token_refused else "Bearer"
    return response


def database_unavailable_response() -> JsonResponse:
    """Tell the client the database is unreachable and when to try again."""
    response = error_response(503, "Service temporarily unavailable")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def install(api: NinjaAPI) -> None:
    """Register the exception handlers and the JSON body check on the API.

    Ninja picks the handler of the most specific class in the exception's MRO.
    """
    api.add_exception_handler(NotFound, _not_found)
    api.add_exception_handler(InvalidInput, _invalid_input)
    api.add_exception_handler(Conflict, _conflict)
    api.add_exception_handler(Unauthenticated, _unauthenticated)
    api.add_exception_handler(AuthenticationError, _no_credentials)
    api.add_exception_handler(Forbidden, _forbidden)
    api.add_exception_handler(TooManyRequests, _too_many_requests)
    api.add_exception_handler(BadRequest, _bad_request)
    api.add_exception_handler(PreconditionFailed, _precondition_failed)
    api.add_exception_handler(Unprocessable, _unprocessable)
    api.add_exception_handler(RequestDataTooBig, _body_too_large)
    for error in DATABASE_UNAVAILABLE:
        api.add_exception_handler(error, _database_unavailable)
    api.add_exception_handler(Exception, _unexpected)
    # "view" mode runs after Ninja has matched the method, before it reads the body.
    api.add_decorator(_require_json_body, mode="view")


def _not_found(request: HttpRequest, exc: object) -> HttpResponse:
    return error_response(404, str(exc))


def _invalid_input(request: HttpRequest, exc: object) -> HttpResponse:
    """Answer a domain rule's refusal as Ninja answers a schema's: 422 with the field's
    location, in the shape of Ninja's own (every router names its body `payload`)."""
    assert isinstance(exc, InvalidInput)
    loc = ["body", "payload", exc.field] if exc.source == "body" else [exc.source, exc.field]
    issue = {"loc": loc, "msg": str(exc), "type": "value_error"}
    return error_response(422, [issue])


def _conflict(request: HttpRequest, exc: object) -> HttpResponse:
    return error_response(409, str(exc))


def _unauthenticated(request: HttpRequest, exc: object) -> HttpResponse:
    assert isinstance(exc, Unauthenticated)
    return unauthenticated_response(str(exc), token_refused=exc.token_refused)


def _no_credentials(request: HttpRequest, exc: object) -> HttpResponse:
    """No Authorization header at all, or one of another scheme than Bearer."""
    return unauthenticated_response("Authentication required", token_refused=False)


def _forbidden(request: HttpRequest, exc: object) -> HttpResponse:
    return error_response(403, str(exc))


def _bad_request(request: HttpRequest, exc: object) -> HttpResponse:
    return error_response(400, str(exc))


def _precondition_failed(request: HttpRequest, exc: object) -> HttpResponse:
    return error_response(412, str(exc))


def _unprocessable(request: HttpRequest, exc: object) -> HttpResponse:
    return error_response(422, str(exc))


def _too_many_requests(request: HttpRequest, exc: object) -> HttpResponse:
    assert isinstance(exc, TooManyRequests)
    response = error_response(429, str(exc))
    response["Retry-After"] = str(exc.retry_after)
    return response


def _body_too_large(request: HttpRequest, exc: object) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error_response(413, f"Request body is larger than the limit of {limit} bytes")


def _database_unavailable(request: HttpRequest, exc: object) -> HttpResponse:
    logger.warning(
        "Database unavailable on %s %s (%s)", request.method, request.path, type(exc).__name__
    )
    return database_unavailable_response()


def _unexpected(request: HttpRequest, exc: object) -> HttpResponse:
    assert isinstance(exc, BaseException)
    logger.error("Unhandled error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(500, "Internal server error")


def json_errors_middleware(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    """Turn any non-JSON error response into JSON.

    Django answers an unknown route, a disallowed host or an unhandled error with
    HTML, and Ninja a wrong method with plain text; API clients get JSON instead.
    """

    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        if response.status_code < 400 or _is_json(response.get("Content-Type")):
            return response
        replacement = error_response(response.status_code, response.reason_phrase)
        for name, value in response.items():
            if name.lower() not in ("content-type", "content-length"):
                replacement[name] = value  # keeps Allow, Retry-After and security headers
        replacement["Content-Length"] = str(len(replacement.content))
        return replacement

    return middleware


def _require_json_body(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Answer 415 to a request whose body is not JSON, once its route and method are known."""

    @wraps(run)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if _has_body(request) and not _is_json(request.content_type):
            return error_response(415, "Content-Type must be application/json")
        return run(request, *args, **kwargs)

    return checked


def _has_body(request: HttpRequest) -> bool:
    content_length = request.META.get("CONTENT_LENGTH") or "0"
    return content_length != "0" or "HTTP_TRANSFER_ENCODING" in request.META


def _is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")
