"""Schema pieces every owned resource's router shares: text fields with the domain's
rule, the patch base, the common output fields and the conditional request headers."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from ninja import Field, Schema
from ninja.params import functions as param
from pydantic import ConfigDict, field_validator, model_validator

from core.schemas import Timestamp


def text_field(max_length: int) -> Any:
    """Return the OpenAPI description of a required text field that the domain trims and
    holds to 1 to `max_length` characters (the rule itself is the domain's)."""
    return Field(
        description=f"1 to {max_length} characters once surrounding white space is trimmed.",
        json_schema_extra={"minLength": 1, "maxLength": max_length},
    )


def _patch_json_schema(schema: dict[str, Any]) -> None:
    """Document a patch as it validates: at least one field, and no nulls."""
    schema["minProperties"] = 1
    for field in schema["properties"].values():
        branches = field.pop("anyOf", None)
        if branches:
            field.update(next(branch for branch in branches if branch != {"type": "null"}))


class PatchIn(Schema):
    """Changes to a resource: any of its fields, none of them null."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_patch_json_schema)

    # None only stands for "left out": this refuses an explicit null.
    @field_validator("*", mode="before")
    @classmethod
    def _reject_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must not be null; leave the field out to keep its value")
        return value

    @model_validator(mode="after")
    def _require_a_change(self) -> PatchIn:
        if not self.model_fields_set:
            raise ValueError(f"give at least one of {', '.join(type(self).model_fields)}")
        return self


class OwnedOut(Schema):
    """The fields every owned resource shows."""

    id: UUID
    version: int = Field(
        ge=1,
        description="Grows on every change; the ETag is this number quoted, so a listed "
        "item can be written with `If-Match` without fetching it first.",
    )
    created_at: Timestamp
    updated_at: Timestamp


# The request headers, as OpenAPI documents them (a generated client can send them).
IF_MATCH = "Write only if the current ETag is one of these (strong comparison), or `*`; else 412."
IF_NONE_MATCH = "Answer 304 without a body if the current ETag is one of these."
IDEMPOTENCY_KEY = (
    "1 to 255 visible ASCII characters, bare or as a quoted string. A repeat with the same "
    "key and body gets the first answer back (Idempotent-Replayed: true) and creates "
    "nothing; another body with the key is a 422, a repeat while the first is in flight a "
    "409. Keys are yours alone and remembered for 24 hours."
)
IfMatch = Annotated[str | None, param.Header(alias="If-Match", description=IF_MATCH)]
IfNoneMatch = Annotated[str | None, param.Header(alias="If-None-Match", description=IF_NONE_MATCH)]
IdempotencyKey = Annotated[
    str | None, param.Header(alias="Idempotency-Key", description=IDEMPOTENCY_KEY)
]
ETAG = {"ETag": "The resource's version, as a strong entity tag: send it back in If-Match."}
REPLAYED = {"Idempotent-Replayed": "`true` on an answer replayed for a repeated key."}
