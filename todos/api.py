"""The /api/todos endpoints: parse, call one service, shape the answer.

`build_router` receives the adapters from the composition root (config/composition.py)
and reads them on every request, so whatever the root serves is what answers.
"""

from __future__ import annotations

from typing import Annotated, Protocol
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from pydantic import (
    AfterValidator,
    ConfigDict,
)

from core.answers import JsonWriter, answer
from core.clock import Clock
from core.http_errors import ErrorOut, ValidationErrorOut, documented_responses
from core.idempotency import fingerprint
from core.idempotency import idempotency_key as parse_idempotency_key
from core.identity.api import actor_of
from core.preconditions import etag, expected_versions, none_match
from core.resources.schemas import (
    ETAG,
    REPLAYED,
    IdempotencyKey,
    IfMatch,
    IfNoneMatch,
    PatchIn,
)
from core.schemas import Timestamp
from todos import services
from todos.domain import TITLE_MAX_LENGTH, clean_title
from todos.ports import (
    DEFAULT_PAGE_SIZE,
    MAX_OFFSET,
    MAX_PAGE_SIZE,
    CreateRequests,
    TodoRepository,
)

# The domain's title rule, applied at the edge so a bad title is a 422 like any other
# field; the length bounds are only documented here, never checked twice.
Title = Annotated[
    str,
    AfterValidator(clean_title),
    Field(
        description="1 to 255 characters once surrounding white space is trimmed.",
        json_schema_extra={"minLength": 1, "maxLength": TITLE_MAX_LENGTH},
    ),
]


class TodoIn(Schema):
    """A new todo."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    completed: bool = False


class TodoPatchIn(PatchIn):
    """Changes to a todo: any of `title` and `completed`."""

    # None only stands for "left out": PatchIn refuses an explicit null.
    title: Title | None = None
    completed: bool | None = None


class TodoOut(Schema):
    """A todo as the API returns it."""

    id: UUID
    title: str
    completed: bool
    created_at: Timestamp
    updated_at: Timestamp
    version: int = Field(
        ge=1,
        description="Grows on every change; the todo's ETag is this number quoted, so a "
        "listed todo can be written with `If-Match` without fetching it first.",
    )


class TodoPageOut(Schema):
    """One page of todos and the number of todos that match in all."""

    items: list[TodoOut]
    count: int


# Answers written from the domain's objects, without validating them again (core/answers.py).
write_todo, write_page = JsonWriter(TodoOut), JsonWriter(TodoPageOut)


class TodoFilters(Schema):
    """Which todos to list."""

    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Page size.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many todos to skip.")
    completed: bool | None = Field(
        None, description="Only completed (true), or only open (false), todos."
    )


class Dependencies(Protocol):
    """What the router needs from the composition root, read on every request."""

    @property
    def todos(self) -> TodoRepository: ...

    @property
    def create_requests(self) -> CreateRequests: ...

    @property
    def clock(self) -> Clock: ...


def build_router(deps: Dependencies) -> Router:
    """Return the /api/todos router, serving from `deps`."""
    router = Router(tags=["todos"])

    @router.get(
        "",
        response={200: TodoPageOut},
        operation_id="list_todos",
        openapi_extra=documented_responses((401, 422), authenticated=True),
        summary="List todos",
    )
    def list_todos(
        request: HttpRequest, filters: Query[TodoFilters], response: HttpResponse
    ) -> HttpResponse:
        """List your todos, newest first (ties broken by id, so pages are stable), with the
        total `count` of todos that match the filter."""
        page = services.list_todos(
            deps.todos,
            limit=filters.limit,
            offset=filters.offset,
            completed=filters.completed,
            actor=actor_of(request),
        )
        return answer(response, 200, write_page(page))

    @router.post(
        "",
        response={201: TodoOut},
        operation_id="create_todo",
        openapi_extra=documented_responses(
            (400, 401, 409, 413, 415),
            {201: {"Location": "The URL of the new todo.", **ETAG, **REPLAYED}},
            authenticated=True,
            # A schema's refusal, or a reused key's.
            bodies={422: (ValidationErrorOut, ErrorOut)},
        ),
        summary="Create a todo",
    )
    def create_todo(
        request: HttpRequest,
        payload: TodoIn,
        response: HttpResponse,
        idempotency_key: IdempotencyKey = None,
    ) -> HttpResponse:
        """Create a todo. The `Location` header of the answer points at it. With an
        `Idempotency-Key`, retrying after a timeout never creates it twice."""
        actor = actor_of(request)
        if idempotency_key is None:
            todo = services.create_todo(
                deps.todos,
                title=payload.title,
                completed=payload.completed,
                actor=actor,
                clock=deps.clock,
            )
        else:
            todo, replayed = services.create_todo_once(
                deps.todos,
                deps.create_requests,
                title=payload.title,
                completed=payload.completed,
                actor=actor,
                key=parse_idempotency_key(idempotency_key),
                fingerprint=fingerprint(request.body),
                clock=deps.clock,
            )
            if replayed:
                response["Idempotent-Replayed"] = "true"
        response["Location"] = reverse("api:get_todo", kwargs={"todo_id": todo.id})
        response["ETag"] = etag(todo.version)
        return answer(response, 201, write_todo(todo))

    @router.get(
        "/{todo_id}",
        response={200: TodoOut, 304: None},
        operation_id="get_todo",
        openapi_extra=documented_responses(
            (400, 401, 404, 422), {200: ETAG, 304: ETAG}, authenticated=True
        ),
        summary="Get a todo",
        url_name="get_todo",
    )
    def get_todo(
        request: HttpRequest,
        todo_id: UUID,
        response: HttpResponse,
        if_none_match: IfNoneMatch = None,
    ) -> Status[None] | HttpResponse:
        """Get one of your todos by its id. Another user's todo is answered 404, as a
        missing one is. With the ETag you hold in `If-None-Match`, an unchanged todo is
        answered 304 without a body."""
        todo = services.get_todo(deps.todos, todo_id=todo_id, actor=actor_of(request))
        response["ETag"] = etag(todo.version)
        if none_match(if_none_match, todo.version):
            return Status(304, None)
        return answer(response, 200, write_todo(todo))

    @router.patch(
        "/{todo_id}",
        response={200: TodoOut},
        operation_id="update_todo",
        openapi_extra=documented_responses(
            (400, 401, 404, 409, 412, 413, 415, 422), {200: ETAG}, authenticated=True
        ),
        summary="Update a todo",
    )
    def update_todo(
        request: HttpRequest,
        todo_id: UUID,
        payload: TodoPatchIn,
        response: HttpResponse,
        if_match: IfMatch = None,
    ) -> HttpResponse:
        """Change the title and/or completion of a todo. Fields left out keep their
        value; `updated_at` moves on every successful update. With `If-Match`, the
        change is made only if nobody changed the todo since you read it (else 412)."""
        todo = services.update_todo(
            deps.todos,
            todo_id=todo_id,
            title=payload.title,
            completed=payload.completed,
            actor=actor_of(request),
            expected_versions=expected_versions(if_match),
            clock=deps.clock,
        )
        response["ETag"] = etag(todo.version)
        return answer(response, 200, write_todo(todo))

    @router.delete(
        "/{todo_id}",
        response={204: None},
        operation_id="delete_todo",
        openapi_extra=documented_responses((400, 401, 404, 412, 422), authenticated=True),
        summary="Delete a todo",
    )
    def delete_todo(
        request: HttpRequest,
        todo_id: UUID,
        if_match: IfMatch = None,
    ) -> Status[None]:
        """Delete one of your todos for good; with `If-Match`, only if nobody changed it
        since you read it (else 412)."""
        services.delete_todo(
            deps.todos,
            todo_id=todo_id,
            actor=actor_of(request),
            expected_versions=expected_versions(if_match),
        )
        return Status(204, None)

    return router
