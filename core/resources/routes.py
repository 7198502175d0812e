"""What an owned resource's router is made of, and how its path parameter is named."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic

from ninja import Field, Schema

from core.resources.domain import E, ResourceNotFound
from core.resources.ports import DEFAULT_PAGE_SIZE, MAX_OFFSET, MAX_PAGE_SIZE


class PageFilters(Schema):
    """Which page to list."""

    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Page size.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many items to skip.")


@dataclass(frozen=True)
class Routes(Generic[E]):
    """What the router of one resource is made of: its names, entity and schemas."""

    noun: str  # "project": operation ids get_project, ..., the path parameter project_id
    plural: str  # "projects": list_projects, the tag
    entity: type[E]
    missing: type[ResourceNotFound]
    create_in: type[Schema]
    patch_in: type[Schema]
    out: type[Schema]
    page_out: type[Schema]


def path_parameter(view: Callable[..., Any], name: str) -> Callable[..., Any]:
    """Return `view` with its `entity_id` parameter named `name` (`project_id`), which is
    how Ninja names the path parameter in the URL and the OpenAPI document."""
    # Evaluated here, in the view's module: Ninja resolves names in the wrapper's.
    signature = inspect.signature(view, eval_str=True)
    parameters = [
        p.replace(name=name) if p.name == "entity_id" else p for p in signature.parameters.values()
    ]

    @functools.wraps(view)
    def renamed(*args: Any, **kwargs: Any) -> Any:
        kwargs["entity_id"] = kwargs.pop(name)
        return view(*args, **kwargs)

    renamed.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return renamed
