"""The system check that keeps a resource's model and its entity in step.

The ORM adapter writes and reads every column from the entity (core/resources/orm.py);
a field on one side only would be a column never written, or an attribute never stored.
Django runs this check before it serves or migrates, so the mismatch stops the app at
startup, naming the field and what to do, instead of failing a request.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from django.apps import apps
from django.core import checks
from django.db.models import Field, Manager

from core.resources.models import OwnedModel
from core.resources.orm import attribute_of


def check_owned_models(**kwargs: Any) -> list[checks.CheckMessage]:
    """Report every field of an OwnedModel that its entity lacks, and the reverse."""
    errors: list[checks.CheckMessage] = []
    for model in apps.get_models():
        if issubclass(model, OwnedModel):
            errors += mismatches(model)
    return errors


def mismatches(model: type[OwnedModel]) -> list[checks.CheckMessage]:
    """Return an error for each field of `model` or of its entity that the other lacks."""
    entity = getattr(model, "entity", None)
    if entity is None:
        hint = "Set `entity = <its dataclass>` on the model: the ORM adapter maps the two."
        return [
            checks.Error(
                f"{model.__name__} names no entity", hint=hint, obj=model, id="resources.E001"
            )
        ]
    manager = type(model._default_manager)
    if manager.get_queryset is not Manager.get_queryset:
        errors_of_manager = [
            checks.Error(
                f"{model.__name__}'s default manager {manager.__name__} filters its rows",
                hint="The repository writes its SQL from the model's fields and never goes "
                "through a manager (core/resources/orm.py): what the manager filters out "
                "would be served. Filter in the repository's statements, or give the model "
                "a plain default manager and the filtering one another name.",
                obj=model,
                id="resources.E004",
            )
        ]
    else:
        errors_of_manager = []
    columns = [f for f in model._meta.concrete_fields if isinstance(f, Field)]
    held = {attribute_of(f, entity) for f in columns}
    errors: list[checks.CheckMessage] = [
        checks.Error(
            f"{model.__name__}.{f.name} has no attribute on {entity.__name__}",
            hint=f"Add `{f.name}` (or `{f.attname}` for a foreign key) to {entity.__name__}: "
            "every column is written from the entity, or remove the field from the model.",
            obj=model,
            id="resources.E002",
        )
        for f in columns
        if not _has(entity, f)
    ]
    errors += [
        checks.Error(
            f"{entity.__name__}.{name} has no column on {model.__name__}",
            hint=f"Add a field `{name}` to {model.__name__} and run makemigrations, or "
            f"remove it from {entity.__name__}.",
            obj=model,
            id="resources.E003",
        )
        for name in sorted({f.name for f in fields(entity)} - held)
    ]
    return errors_of_manager + errors


def _has(entity: type[Any], field: Field[Any, Any]) -> bool:
    names = {f.name for f in fields(entity)}
    return field.name in names or field.attname in names
