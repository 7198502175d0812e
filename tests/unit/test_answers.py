"""JsonWriter writes what Ninja would write: for every schema the API answers with
through it, the same bytes, and a schema it cannot write so is refused when built."""

from __future__ import annotations

import json
import types
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Annotated, Any, Union, get_args, get_origin
from uuid import UUID

import pytest
from django.urls import get_resolver
from ninja import Field, Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import PlainSerializer, computed_field, field_serializer

from core.answers import JsonWriter
from core.schemas import Timestamp

get_resolver().url_patterns  # noqa: B018 (builds every router, and with each its writers)
WRITERS = {writer.schema.__name__: writer for writer in JsonWriter.built}


def test_the_api_answers_through_writers() -> None:
    assert {"TodoOut", "TodoPageOut"} <= set(WRITERS)


def sample(annotation: Any, n: int) -> Any:
    """Return the n-th sample value of a field's type: edge cases first."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return sample(args[0], n)
    if origin in (Union, types.UnionType):
        inner = next(a for a in args if a is not type(None))
        return None if n % 2 else sample(inner, n)
    if origin is list:
        return [sample(args[0], n + i) for i in range(n % 3)]
    if isinstance(annotation, type) and issubclass(annotation, Schema):
        return SimpleNamespace(
            **{name: sample(f.annotation, n) for name, f in annotation.model_fields.items()}
        )
    moments = (
        datetime(2026, 12, 7, 17, 28, 29, tzinfo=UTC),  # no fraction: written without one
        datetime(2026, 12, 7, 17, 28, 29, 123000, tzinfo=UTC),
        datetime(1999, 1, 1, 23, 59, 59, 1000, tzinfo=UTC),
    )
    samples: dict[Any, tuple[Any, ...]] = {
        UUID: (UUID(int=n), UUID("12345678-1234-5678-1234-567812345678")),
        str: ('"quoted" \\ back', "Ünïcödé ☃ 𝄞", "tab\tnew\nline\x01", ""),
        int: (1, 2**40, 7),  # the domain holds versions and counts to 1 and more
        float: (1, 0.5, -2.25),  # an int in a float field, too
        bool: (True, False),
        datetime: moments,
    }
    return samples[annotation][n % len(samples[annotation])]


def ninja_bytes(schema: type[Schema], value: Any) -> bytes:
    """What Ninja answers with: the value validated, dumped, then rendered."""
    dumped = schema.model_validate(value).model_dump()
    return json.dumps(dumped, cls=NinjaJSONEncoder).encode()


class NewFields(Schema):
    """Fields a new resource may well have: optional, in lists, a float."""

    due_at: Timestamp | None
    reminders: list[Timestamp]
    note: str | None
    tags: list[str]
    weight: float
    parts: list[SimpleOut]


class SimpleOut(Schema):
    id: UUID
    at: Timestamp


NewFields.model_rebuild()


@pytest.mark.parametrize("schema", [*sorted(WRITERS), "NewFields"])
@pytest.mark.parametrize("n", range(6))
def test_a_writer_writes_the_bytes_ninja_would(schema: str, n: int) -> None:
    writer = WRITERS[schema] if schema in WRITERS else JsonWriter(NewFields)
    value = sample(writer.schema, n)
    assert writer(value) == ninja_bytes(writer.schema, value)


def test_a_timestamp_is_written_by_its_own_serialiser() -> None:
    class Out(Schema):
        at: Timestamp

    moment = datetime(2026, 12, 7, 18, 0, 0, 123456, tzinfo=UTC) + timedelta(hours=0)
    assert JsonWriter(Out)(SimpleNamespace(at=moment)) == b'{"at": "2026-12-07T18:00:00.123Z"}'


class Aliased(Schema):
    name: str = Field(alias="title")


class Resolved(Schema):
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return "x"


class SerialisedHere(Schema):
    name: str

    @field_serializer("name")
    def shout(self, value: str) -> str:
        return value.upper()


class Computed(Schema):
    name: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def length(self) -> int:
        return len(self.name)


class BareDatetime(Schema):
    at: datetime


class Unknown(Schema):
    amount: Decimal


class JsonOnly(Schema):
    at: Annotated[datetime, PlainSerializer(lambda v: "x", when_used="json")]


class WithInfo(Schema):
    at: Annotated[datetime, PlainSerializer(lambda v, info: "x")]


@pytest.mark.parametrize(
    "schema",
    [Aliased, Resolved, SerialisedHere, Computed, BareDatetime, Unknown, JsonOnly, WithInfo],
)
def test_a_schema_it_cannot_write_as_ninja_would_is_refused_when_built(
    schema: type[Schema],
) -> None:
    with pytest.raises(TypeError):
        JsonWriter(schema)
