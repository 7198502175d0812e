"""Answer bodies written straight from the domain's objects, in their schema's shape.

Ninja answers a view's return value by validating it against the response schema (each
attribute read through its getter), dumping the result to Python and encoding that
with a Python-level JSON encoder. For a page of 100 todos that was the largest share
of a warm list after the repository's own (docs/benchmarks.md, "Where a list's time
goes"): it validates what the domain already guarantees. `JsonWriter` reads the same
attributes, converts each value as the schema would serialise it (a UUID as text, a
`Timestamp` by its own serialiser), and encodes plain JSON: the same bytes Ninja would
send, which tests/unit/test_answers.py compares for every schema the API answers with.
It earns 12 % more lists of 100 todos a second on its own, and works with the other
tricks of the shared resource code, which together earn 126 % there (`make bench
BENCH_BASELINE=3570ae0`, 2026-12-08, medians of the round-by-round ratios).

It is built from the schema when the router is built, so the app fails at startup, not
on a request, if the schema holds anything it cannot write as Ninja would (an alias, a
resolver, a serialiser of the model's own, a type it has no conversion for), naming
the field: give `_type` a conversion for it, or let that view return its object for
Ninja to validate and render, as views did before.
"""

from __future__ import annotations

import inspect
import json
import types
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin
from uuid import UUID

from django.http import HttpResponse
from ninja import Schema
from pydantic import PlainSerializer
from pydantic.fields import FieldInfo

Convert = Callable[[Any], Any]
# Values JSON holds as they are.
_PLAIN = (str, int, bool)


class JsonWriter:
    """Write objects as JSON in the shape of `schema`, reading its fields' attributes."""

    # Every writer built, so that tests can hold each to Ninja's own output.
    built: ClassVar[list[JsonWriter]] = []

    def __init__(self, schema: type[Schema]) -> None:
        self.schema = schema
        self._convert = _object(schema)
        JsonWriter.built.append(self)

    def __call__(self, value: Any) -> bytes:
        """Return `value`'s JSON as Ninja's renderer would write it (its default spacing)."""
        return json.dumps(self._convert(value)).encode()


def answer(response: HttpResponse, status: int, body: bytes) -> HttpResponse:
    """Return Ninja's response of a view (the one it passes as `response: HttpResponse`,
    with the headers the view set) holding `body`: Ninja sends a returned response as is."""
    response.status_code = status
    response.content = body
    return response


def _object(schema: type[Schema]) -> Convert:
    """Return the conversion of an object to the dict `schema` would dump it to."""
    if getattr(schema, "_ninja_resolvers", None):
        raise TypeError(f"{schema.__name__} resolves fields (resolve_*): keep Ninja's path")
    decorators = schema.__pydantic_decorators__
    if decorators.field_serializers or decorators.model_serializers or decorators.computed_fields:
        raise TypeError(f"{schema.__name__} serialises fields itself: keep Ninja's path")
    fields = [(name, _field(schema, name, info)) for name, info in schema.model_fields.items()]

    def convert(value: Any) -> dict[str, Any]:
        return {name: each(getattr(value, name)) for name, each in fields}

    return convert


def _field(schema: type[Schema], name: str, info: FieldInfo) -> Convert:
    if info.alias or info.serialization_alias or info.exclude:
        raise TypeError(f"{schema.__name__}.{name} is renamed or left out: keep Ninja's path")
    try:
        return _serialiser(info.metadata) or _type(info.annotation)
    except TypeError as error:
        raise TypeError(f"{schema.__name__}.{name}: {error}") from None


def _serialiser(metadata: list[Any]) -> Convert | None:
    """Return the conversion a PlainSerializer among `metadata` makes, if there is one."""
    serializers = [m for m in metadata if isinstance(m, PlainSerializer)]
    if not serializers:
        return None
    if serializers[-1].when_used != "always":
        raise TypeError("it is serialised conditionally")
    write: Convert = serializers[-1].func  # type: ignore[assignment]
    needed = [
        p
        for p in inspect.signature(write).parameters.values()
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if len(needed) != 1:
        raise TypeError("its serialiser takes more than the value")
    return write


def _type(annotation: Any) -> Convert:
    """Return the conversion of a value of `annotation` to what JSON holds."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:  # Timestamp | None, list[Timestamp]: its own serialiser, if any
        return _serialiser(list(annotation.__metadata__)) or _type(args[0])
    if origin in (Union, types.UnionType) and type(None) in args and len(args) == 2:
        inner = _type(next(a for a in args if a is not type(None)))
        return lambda value: None if value is None else inner(value)
    if origin is list and len(args) == 1:
        item = _type(args[0])
        return lambda value: [item(v) for v in value]
    if annotation is float:
        return float  # an int in a float field: pydantic makes it a float, 1.0
    if annotation in _PLAIN:
        return _same
    if annotation is UUID:
        return str
    if isinstance(annotation, type) and issubclass(annotation, Schema):
        return _object(annotation)
    if annotation is datetime:
        raise TypeError("a datetime needs its serialiser: annotate it `Timestamp`")
    raise TypeError(f"no JSON conversion for {annotation!r}")


def _same(value: Any) -> Any:
    return value
