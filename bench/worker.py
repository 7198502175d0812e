"""One warm setup's process: a Lambda bundle's handler, driven one command at a time.

bench/warm.py starts it as `python -I -S worker.py SPEC` from a harness folder that
holds nothing but this module, bench/driver.py and scripts/apigateway_events.py
(build/bench-harness), so that every module of the app comes from the bundle the SPEC
names: this tree's, another commit's (the baseline), or the calibration app's. The
same driver code thus drives every setup, whatever commit it serves.

It imports the handler (the variant SPEC asks for), signs up a user of its own through
it when the app has accounts, creates that user's ROWS todos through the API (or, on
the bundle of a generated resource, ROWS of that resource, bench/generated.py), checks
that a deployed setup connects as the function does (an IAM token over TLS), warms up,
says which operations it runs, and then answers the commands read from stdin, one JSON
object a line: a timed batch, or one untimed call.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROWS = 100
WARM_UP = 20
# Untimed calls before each batch: a setup idle while the others ran theirs checks its
# pooled connection first, which a busy instance does not.
ROUND_WARM_UP = 3
# The variants of the shipped app, set up here, never by a switch in the app: each puts
# the stock way back for one of the app's speed tricks, or for all of them at once.
SHIPPED = "shipped"
STOCK_HANDLER = "stock ASGI handler"
THREAD_HOP = "thread hop"
ORM_QUERIES = "ORM queries"
NINJA_ANSWERS = "Ninja answers"
DJANGO_TIMESTAMPS = "Django timestamps"
UNPREPARED = "unprepared statements"
CHECKED_ENTITIES = "checked entities"
ISOFORMAT_TIMESTAMPS = "isoformat timestamps"
ALL_STOCK = (
    "ORM queries, Ninja answers, Django timestamps, unprepared statements,"
    " checked entities, isoformat timestamps"
)
# What a variant swaps in stays until the process ends.
_FOR_GOOD = ExitStack()


def shipped(module: str) -> Any:
    """Return the handler the bundle ships."""
    import importlib

    return importlib.import_module(module).handler


def stock_asgi_handler(module: str) -> Any:
    """Return the shipped handler over Django's stock ASGIHandler."""
    from django.core.handlers.asgi import ASGIHandler

    shipped(module)  # settings and app registry, as the shipped module sets them up
    from config.aws_lambda.handler import make_handler

    return make_handler(ASGIHandler())


def thread_hop(module: str) -> Any:
    """Return the shipped handler, but sending each request to asgiref's one worker
    thread and back (`sync_to_async`), as it did before it served requests on the
    invoking thread with the event loop set aside (`synchronously`)."""
    shipped(module)
    from asgiref.sync import sync_to_async
    from django.core.handlers.asgi import get_script_prefix
    from django.urls import set_script_prefix

    from config.aws_lambda.django_asgi import LambdaASGIHandler
    from config.aws_lambda.handler import make_handler

    class OneHop(LambdaASGIHandler):
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            body_file = await self.read_body(receive)
            set_script_prefix(get_script_prefix(scope))
            try:
                respond = sync_to_async(self._respond, thread_sensitive=True)
                response, closed = await respond(scope, body_file)
                try:
                    await self.send_response(response, send)
                finally:
                    if not closed:
                        await sync_to_async(response.close, thread_sensitive=True)()
            finally:
                body_file.close()

    return make_handler(OneHop())


def orm_queries(module: str) -> Any:
    """Return the shipped handler, its todos served by a repository that builds each
    query with the ORM on every call, as Django code usually does: the same owner scope
    (an EXISTS on the owner's active row), a page and then a COUNT when the page is
    full, and QuerySet.update() and .delete(). Only how the statements are made differs
    from the shipped one (core/resources/orm.py), which writes them once; entities are
    restored from the rows as the shipped one restores them."""
    handler = shipped(module)
    from dataclasses import replace
    from uuid import UUID

    from django.db.models import Exists, OuterRef, QuerySet

    from config.composition import adapters, serving
    from core.identity.models import UserModel
    from core.resources.ports import Page, PageQuery
    from todos.adapters.orm import DjangoTodoRepository
    from todos.ports import TodoQuery

    class OrmQueriesRepository(DjangoTodoRepository):
        def get(self, owner: UUID, entity_id: UUID) -> Any:
            rows = list(self.mine(owner).filter(pk=entity_id).values(*self.attributes)[:1])
            return self.restored(rows[0]) if rows else None

        def list(self, owner: UUID, query: PageQuery, **match: object) -> Any:
            if isinstance(query, TodoQuery) and query.completed is not None:
                match["completed"] = query.completed
            selected = self.mine(owner).filter(**match)
            window = slice(query.offset, query.offset + query.limit)
            newest = selected.order_by("-created_at", "-id").values(*self.attributes)
            page = [self.restored(row) for row in newest[window]]
            if len(page) < query.limit and (page or query.offset == 0):
                return Page(items=page, count=query.offset + len(page))
            return Page(items=page, count=selected.count())

        def update(self, entity: Any, *, fields: frozenset[str], expected_version: int) -> bool:
            changes = {field: getattr(entity, field) for field in fields}
            matching = self.mine(entity.owner).filter(pk=entity.id, version=expected_version)
            return matching.update(**changes, version=entity.version) == 1

        def delete(
            self, owner: UUID, entity_id: UUID, *, versions: frozenset[int] | None = None
        ) -> bool:
            matching = self.mine(owner).filter(pk=entity_id)
            if versions is not None:
                matching = matching.filter(version__in=versions)
            deleted, _ = matching.delete()
            return deleted > 0

        def restored(self, row: dict[str, Any]) -> Any:
            # As the shipped repository rebuilds them (`restorer`): a trick of its own.
            return self._restore([row[attname] for attname in self.attributes])

        def mine(self, owner: UUID) -> QuerySet[Any]:
            active_owner = UserModel.objects.filter(pk=OuterRef("owner_id"), is_active=True)
            return self.model._default_manager.filter(Exists(active_owner), owner_id=owner)

    _FOR_GOOD.enter_context(serving(replace(adapters, todos=OrmQueriesRepository())))
    if not isinstance(adapters.todos, OrmQueriesRepository):
        raise SystemExit("The variant does not serve its repository.")
    return handler


def ninja_answers(module: str) -> Any:
    """Return the shipped handler, its views answering as Ninja does by default: they
    return the domain's object, which Ninja validates against the response schema,
    dumps and renders, instead of the bytes JsonWriter wrote (core/answers.py). Set up
    before the app is imported: the views take `answer` when their module loads."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")  # as the handler does
    from ninja import Status

    import core.answers

    core.answers.JsonWriter.__call__ = lambda self, value: value  # type: ignore[method-assign,assignment]
    core.answers.answer = lambda response, status, body: Status(status, body)  # type: ignore[assignment]
    handler = shipped(module)
    import todos.api

    if todos.api.answer is not core.answers.answer:
        raise SystemExit("The variant does not answer through Ninja.")
    return handler


def django_timestamps(module: str, *, check: bool = True) -> Any:
    """Return the shipped handler, its connections loading timestamps with Django's own
    loader instead of psycopg's compiled one (core/postgresql/timestamps.py).
    Connections made before this are not changed: `check` opens the first one."""
    handler = shipped(module)
    import core.postgresql.base

    core.postgresql.base.utc_context = lambda context: context  # type: ignore[assignment]
    if check:
        check_connections()
    return handler


def unprepared(module: str, *, check: bool = True) -> Any:
    """Return the shipped handler, its connections never keeping a statement prepared,
    as Django's are by default (core/postgresql/base.py PREPARE_THRESHOLD).
    Connections made before this are not changed: `check` opens the first one."""
    handler = shipped(module)
    import core.postgresql.base

    core.postgresql.base.PREPARE_THRESHOLD = None  # type: ignore[assignment]
    if check:
        check_connections()
    return handler


def checked_entities(module: str) -> Any:
    """Return the shipped handler, its repository rebuilding each entity it reads through
    the entity's constructor, which checks every field again, instead of setting its
    slots as stored (`restorer`, core/resources/domain.py)."""
    handler = shipped(module)
    import core.resources.orm

    core.resources.orm.DjangoRepository._entity = constructed_entity  # type: ignore[method-assign]
    # A repository built from here on (the ORM twin's, in "all stock") makes them too.
    core.resources.orm.restorer = constructing  # type: ignore[assignment]
    return handler


def constructing(entity: Any, names: Any) -> Callable[[Any], Any]:
    """The stock twin of `restorer`: entities made by their constructor."""
    return lambda values: entity(**dict(zip(names, values, strict=True)))


def constructed_entity(repository: Any, row: Any) -> Any:
    """The stock `DjangoRepository._entity`: the row's entity made by its constructor."""
    return constructing(repository.entity, repository._names)(repository._columns(row))


def isoformat_timestamps(module: str) -> Any:
    """Return the shipped handler, writing timestamps with `isoformat` and string edits
    instead of formatting their fields in one step (core/schemas.py `utc_timestamp`).
    The function keeps its identity and takes the stock code, so the schemas and the
    writers that hold it run that code."""
    handler = shipped(module)
    import core.schemas

    core.schemas.utc_timestamp.__code__ = utc_isoformat.__code__
    moment = datetime(2026, 12, 8, 1, 2, 3, 456789, tzinfo=UTC)
    if core.schemas.utc_timestamp(moment) != "2026-12-08T01:02:03.456Z":
        raise SystemExit("The variant writes timestamps differently.")
    return handler


def utc_isoformat(value: datetime) -> str:
    """The stock `utc_timestamp`: a timestamp as ISO 8601 in UTC to the millisecond."""
    precision = "milliseconds" if value.microsecond else "seconds"
    text = value.astimezone(UTC).isoformat(timespec=precision)
    return text.removesuffix("+00:00") + "Z"


def check_connections() -> None:
    """Open the process's first connection (or pool) and stop unless it is as the
    variants above made it.

    :raises SystemExit: naming what a variant did not change.
    """
    from django.db import connection
    from psycopg.pq import Format

    import core.postgresql.base
    from core.postgresql.timestamps import TIMESTAMPTZ, UtcTimestamptzLoader

    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
        threshold = cursor.connection.prepare_threshold
    stock_loader = core.postgresql.base.utc_context(None) is None
    if stock_loader and loader is UtcTimestamptzLoader:
        raise SystemExit("The variant still loads timestamps with the compiled loader.")
    if core.postgresql.base.PREPARE_THRESHOLD is None and threshold is not None:
        raise SystemExit("The variant's connections still prepare statements.")


def all_stock(module: str) -> Any:
    """Return the shipped handler with every trick above put back to its stock way."""
    ninja_answers(module)
    isoformat_timestamps(module)
    django_timestamps(module, check=False)
    unprepared(module, check=False)
    check_connections()
    checked_entities(module)  # before the ORM twin's repository is built
    handler = orm_queries(module)
    from config.composition import adapters

    # The twin's entities are made by the constructor, whose rule trims a title.
    now = datetime.now(UTC)
    row = {"id": uuid.uuid4(), "owner": uuid.uuid4(), "created_at": now, "updated_at": now}
    row |= {"version": 1, "title": "  padded  ", "completed": False}
    twin = adapters.todos
    if twin._restore([row[name] for name in twin._names]).title != "padded":  # type: ignore[attr-defined]
        raise SystemExit("The set's twin still restores its entities unchecked.")
    return handler


VARIANTS: dict[str, Callable[[str], Any]] = {
    SHIPPED: shipped,
    STOCK_HANDLER: stock_asgi_handler,
    THREAD_HOP: thread_hop,
    ORM_QUERIES: orm_queries,
    NINJA_ANSWERS: ninja_answers,
    DJANGO_TIMESTAMPS: django_timestamps,
    UNPREPARED: unprepared,
    CHECKED_ENTITIES: checked_entities,
    ISOFORMAT_TIMESTAMPS: isoformat_timestamps,
    ALL_STOCK: all_stock,
}


def check_deployed_connection() -> None:
    """Stop unless a new connection of the app signs an IAM token and uses TLS, as the
    function's do on AWS.

    :raises SystemExit: naming what is not so.
    """
    from django.db import connection

    connection.ensure_connection()
    try:
        info = connection.connection.info
        if "X-Amz-Signature=" not in (info.password or ""):
            raise SystemExit("A deployed setup connected without an IAM token.")
        if not connection.connection.pgconn.ssl_in_use:
            raise SystemExit("A deployed setup connected without TLS.")
    finally:
        connection.close()


def setup_operations(spec: dict[str, Any]) -> tuple[Callable[[], int], dict[str, Any]]:
    """Build the setup's operations, signed in as a user of its own with ROWS todos
    (every todo in the table, for an app without accounts), or ROWS items of the
    generated resource SPEC names, warmed up; return them and a function that counts
    the handler's invocations so far."""
    from bench.driver import (
        ACCOUNT_OPERATIONS,
        TODOS,
        Features,
        Invoker,
        bearer,
        create_todos,
        generated_resource,
        operations,
        sign_up,
    )

    if spec["calibration"]:
        os.environ["DJANGO_SETTINGS_MODULE"] = "plain_app.settings"
        from plain_app.handler import handler

        invoke = Invoker(handler)
        ops = {"hello": lambda n: invoke("GET", "/api/hello")}
        invokers = [invoke]
    else:
        features = Features(**spec["features"])
        handler = VARIANTS[spec["variant"]](spec["handler"])
        public = Invoker(handler)
        account = None
        if features.accounts:
            account = sign_up(handler, f"{spec['application']}-{uuid.uuid4().hex[:8]}@example.com")
            invoke = Invoker(handler, [bearer(account.access_token)])
        else:
            invoke = Invoker(handler)  # every todo is everyone's: no token to send
        resource = generated_resource(spec["resource"]) if spec["resource"] else TODOS
        items = create_todos(invoke, ROWS, etags=features.etags, resource=resource)
        ops = operations(
            invoke,
            items,
            conditional=spec["variant"] == SHIPPED,
            features=features,
            account=account,
            public=public,
            resource=resource,
        )
        if spec["resource"]:
            # The account operations are the same calls whatever the resource.
            ops = {name: op for name, op in ops.items() if name not in ACCOUNT_OPERATIONS}
        invokers = [invoke, public]
        if spec["deployed"]:
            check_deployed_connection()
    # In this order each create is followed by its delete: the table stays as it was.
    for n in range(WARM_UP):
        for op in ops.values():
            op(n)
    return lambda: sum(i.calls for i in invokers), ops


def timed_batch(
    calls_so_far: Callable[[], int], ops: dict[str, Any], name: str, first: int, calls: int
) -> float:
    """Run `calls` calls of one operation, numbered from `first`; return the seconds.

    :raises SystemExit: when the handler was not invoked `calls` times.
    """
    warm_up = ops.get("get") or ops[name]  # reads nothing another batch needs
    for n in range(ROUND_WARM_UP):
        warm_up(n)
    op, before, started = ops[name], calls_so_far(), time.perf_counter()
    for n in range(first, first + calls):
        op(n)
    seconds = time.perf_counter() - started
    if calls <= 0 or calls_so_far() - before != calls or seconds <= 0:
        raise SystemExit(f"{name}: {calls_so_far() - before} invocations timed, not {calls}")
    return seconds


# Where a call's time goes, by the code that spends it (the profile's cumulative time of
# these functions, as a share of the request's); the rest of the request is Django's and
# Ninja's own (middleware, routing, parsing the query).
PROFILED_PARTS = {
    "the repository: its statement and the rows to entities": ("core/resources/orm.py", "list"),
    "the answer: JsonWriter": ("core/answers.py", "__call__"),
    "authentication: the bearer token": ("core/identity/api.py", "__call__"),
}


def profile(ops: dict[str, Any], name: str, calls: int) -> dict[str, Any]:
    """Return where `calls` calls of one operation spend their time.

    Wall time first, unprofiled: the whole invocation, and the part inside the handler's
    `_respond` (Django's request; the rest is Mangum, the event loop, and the driver's
    building of the event and reading of the answer). Then the same calls again under
    cProfile, enabled inside `_respond` only, whose figures are inflated for Python code,
    so they are given as shares of the profiled request.
    """
    import cProfile
    import pstats

    from config.aws_lambda import django_asgi

    profiler = cProfile.Profile()
    profiling, inside = [False], [0.0]
    respond = django_asgi.LambdaASGIHandler._respond

    def timed(self: Any, scope: Any, body: Any) -> Any:
        started = time.perf_counter()
        if profiling[0]:
            profiler.enable()
        try:
            return respond(self, scope, body)
        finally:
            if profiling[0]:
                profiler.disable()
            inside[0] += time.perf_counter() - started

    django_asgi.LambdaASGIHandler._respond = timed  # type: ignore[method-assign]
    try:
        started = time.perf_counter()
        for n in range(calls):
            ops[name](n)
        wall, in_django = time.perf_counter() - started, inside[0]
        profiling[0] = True
        for n in range(calls):
            ops[name](n)
    finally:
        django_asgi.LambdaASGIHandler._respond = respond  # type: ignore[method-assign]
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    cumulative = {(file, function): entry[3] for (file, _, function), entry in stats.items()}

    def spent(file: str, function: str) -> float:
        return sum(t for (f, fn), t in cumulative.items() if f.endswith(file) and fn == function)

    request = spent("config/aws_lambda/django_asgi.py", "timed") or spent(
        "config/aws_lambda/django_asgi.py", "_respond"
    )
    if wall <= 0 or request <= 0:
        raise SystemExit(f"profiling {name} measured nothing")
    parts = {part: spent(*where) / request for part, where in PROFILED_PARTS.items()}
    top = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)[:12]
    return {
        "calls": calls,
        "wall_ms": wall / calls * 1000,
        "django_ms": in_django / calls * 1000,
        "parts": parts,
        "top": [
            {
                "function": function
                if file == "~"  # a builtin, which cProfile files under "~"
                else f"{Path(file).parent.name}/{Path(file).name}:{line}({function})",
                "share": entry[2] / request,
            }
            for (file, line, function), entry in top
        ],
    }


def main() -> None:
    """Warm up, then run the batches and single calls the benchmark asks for on stdin."""
    spec = json.loads(sys.argv[1])
    sys.path[:0] = [spec["harness"], *spec["paths"]]
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever else prints goes to the log with the app's own lines
    calls_so_far, ops = setup_operations(spec)
    replies.write(json.dumps({"operations": list(ops)}) + "\n")
    for line in sys.stdin:
        command = json.loads(line)
        if command["do"] == "batch":
            spent = timed_batch(
                calls_so_far, ops, command["operation"], command["first"], command["calls"]
            )
            replies.write(json.dumps(spent) + "\n")
        elif command["do"] == "profile":
            replies.write(json.dumps(profile(ops, command["operation"], command["calls"])) + "\n")
        elif command["do"] == "once":
            ops[command["operation"]](command["n"])
            replies.write("{}\n")


if __name__ == "__main__":
    main()
