"""The five endpoints of an owned resource, built from its schemas and its store.

`owned_router` is what a generated resource's api.py calls: list, create (with
Idempotency-Key), get (ETag, If-None-Match), update and delete (If-Match), each parsing,
calling one shared use case (core/resources/services.py) and shaping the answer, as
todos/api.py does by hand for todos.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Query, Router, Schema, Status

from core.answers import JsonWriter, answer
from core.clock import Clock
from core.http_errors import ErrorOut, ValidationErrorOut, documented_responses
from core.idempotency import fingerprint
from core.idempotency import idempotency_key as parse_idempotency_key
from core.identity.api import actor_of
from core.preconditions import etag, expected_versions, none_match
from core.resources import idempotent, services
from core.resources.domain import E, new
from core.resources.ports import (
    PageQuery,
    Store,
)
from core.resources.routes import PageFilters, Routes, path_parameter
from core.resources.schemas import ETAG, REPLAYED, IdempotencyKey, IfMatch, IfNoneMatch


def owned_router(
    routes: Routes[E], store: Callable[[], Store[E]], clock: Callable[[], Clock]
) -> Router:
    """Return the router of one resource, serving from `store()` on every request."""
    router = Router(tags=[routes.plural])
    noun, item = routes.noun, f"/{{{routes.noun}_id}}"
    # Answers written from the domain's objects, without validating them again
    # (core/answers.py); a schema it cannot write stops the app here, at startup.
    write, write_page = JsonWriter(routes.out), JsonWriter(routes.page_out)

    def list_view(
        request: HttpRequest, filters: Query[PageFilters], response: HttpResponse
    ) -> HttpResponse:
        query = PageQuery(limit=filters.limit, offset=filters.offset)
        page = services.list_page(store().repository, query=query, actor=actor_of(request))
        return answer(response, 200, write_page(page))

    def create_view(
        request: HttpRequest,
        payload: Schema,
        response: HttpResponse,
        idempotency_key: IdempotencyKey = None,
    ) -> HttpResponse:
        actor, now = actor_of(request), clock()()
        entity = new(routes.entity, owner=actor.user_id, now=now, **payload.model_dump())
        if idempotency_key is None:
            services.create(store().repository, entity)
        else:
            key = parse_idempotency_key(idempotency_key)
            entity, replayed = idempotent.create_once(
                store().repository,
                store().requests,
                entity=entity,
                actor=actor,
                key=key,
                fingerprint=fingerprint(request.body),
                now=now,
            )
            if replayed:
                response["Idempotent-Replayed"] = "true"
        response["Location"] = reverse(f"api:get_{noun}", kwargs={f"{noun}_id": entity.id})
        response["ETag"] = etag(entity.version)
        return answer(response, 201, write(entity))

    def get_view(
        request: HttpRequest,
        entity_id: UUID,
        response: HttpResponse,
        if_none_match: IfNoneMatch = None,
    ) -> Status[None] | HttpResponse:
        entity = services.get(
            store().repository, entity_id=entity_id, actor=actor_of(request), missing=routes.missing
        )
        response["ETag"] = etag(entity.version)
        if none_match(if_none_match, entity.version):
            return Status(304, None)
        return answer(response, 200, write(entity))

    def update_view(
        request: HttpRequest,
        entity_id: UUID,
        payload: Schema,
        response: HttpResponse,
        if_match: IfMatch = None,
    ) -> HttpResponse:
        entity = services.update(
            store().repository,
            entity_id=entity_id,
            changes=payload.model_dump(exclude_unset=True),
            actor=actor_of(request),
            missing=routes.missing,
            expected_versions=expected_versions(if_match),
            now=clock(),
        )
        response["ETag"] = etag(entity.version)
        return answer(response, 200, write(entity))

    def delete_view(
        request: HttpRequest, entity_id: UUID, if_match: IfMatch = None
    ) -> Status[None]:
        services.delete(
            store().repository,
            entity_id=entity_id,
            actor=actor_of(request),
            missing=routes.missing,
            expected_versions=expected_versions(if_match),
        )
        return Status(204, None)

    create_view.__annotations__["payload"] = routes.create_in
    update_view.__annotations__["payload"] = routes.patch_in
    a, the = ("an" if noun[0] in "aeiou" else "a"), noun.replace("_", " ")
    router.get(
        "",
        response={200: routes.page_out},
        operation_id=f"list_{routes.plural}",
        openapi_extra=documented_responses((401, 422), authenticated=True),
        summary=f"List {routes.plural.replace('_', ' ')}",
        description=f"List your {routes.plural.replace('_', ' ')}, newest first (ties broken by "
        "id, so pages are stable), with the total `count`.",
    )(list_view)
    router.post(
        "",
        response={201: routes.out},
        operation_id=f"create_{noun}",
        openapi_extra=documented_responses(
            (400, 401, 409, 413, 415),
            {201: {"Location": f"The URL of the new {the}.", **ETAG, **REPLAYED}},
            authenticated=True,
            bodies={422: (ValidationErrorOut, ErrorOut)},  # a schema's refusal, or a reused key's
        ),
        summary=f"Create {a} {the}",
        description=f"Create {a} {the}. The `Location` header of the answer points at it. With "
        "an `Idempotency-Key`, retrying after a timeout never creates it twice.",
    )(create_view)
    router.get(
        item,
        response={200: routes.out, 304: None},
        operation_id=f"get_{noun}",
        openapi_extra=documented_responses(
            (400, 401, 404, 422), {200: ETAG, 304: ETAG}, authenticated=True
        ),
        summary=f"Get {a} {the}",
        description=f"Get one of your {routes.plural.replace('_', ' ')} by its id; another user's "
        "is answered 404, as a missing one is. With the ETag you hold in `If-None-Match`, an "
        "unchanged one is answered 304 without a body.",
        url_name=f"get_{noun}",
    )(path_parameter(get_view, f"{noun}_id"))
    router.patch(
        item,
        response={200: routes.out},
        operation_id=f"update_{noun}",
        openapi_extra=documented_responses(
            (400, 401, 404, 409, 412, 413, 415, 422), {200: ETAG}, authenticated=True
        ),
        summary=f"Update {a} {the}",
        description="Change the fields you send; the others keep their value and `updated_at` "
        "moves. With `If-Match`, only if nobody changed it since you read it (else 412).",
    )(path_parameter(update_view, f"{noun}_id"))
    router.delete(
        item,
        response={204: None},
        operation_id=f"delete_{noun}",
        openapi_extra=documented_responses((400, 401, 404, 412, 422), authenticated=True),
        summary=f"Delete {a} {the}",
        description=f"Delete one of your {routes.plural.replace('_', ' ')} for good; with "
        "`If-Match`, only if nobody changed it since you read it (else 412).",
    )(path_parameter(delete_view, f"{noun}_id"))
    return router
