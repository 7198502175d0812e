"""The system check that stops the app when a resource's model and entity disagree: the
ORM adapter writes every column from the entity, so neither may hold a field alone."""

from dataclasses import dataclass

from django.core import checks
from django.db import models
from django.test.utils import isolate_apps

from core.resources.checks import check_owned_models, mismatches
from core.resources.domain import Owned
from core.resources.models import OwnedModel


@dataclass(frozen=True, slots=True, kw_only=True)
class Gadget(Owned):
    """An entity of the cases' own: a label besides the fields every resource has."""

    label: str


def test_the_project_passes_the_check() -> None:
    assert check_owned_models() == []
    registered = checks.run_checks(tags=[checks.Tags.models])
    assert not [message for message in registered if message.id.startswith("resources.")]


@isolate_apps("todos")
def test_a_column_the_entity_lacks_is_an_error_that_says_what_to_add() -> None:
    class ColouredGadget(OwnedModel):
        entity = Gadget
        label = models.CharField(max_length=255)
        colour = models.CharField(max_length=20)

        class Meta:
            app_label = "todos"

    [error] = mismatches(ColouredGadget)
    assert error.id == "resources.E002"
    assert "ColouredGadget.colour" in error.msg
    assert "Add `colour`" in str(error.hint)


@isolate_apps("todos")
def test_an_entity_field_without_a_column_is_an_error_too() -> None:
    class UnfinishedGadget(OwnedModel):
        entity = Gadget

        class Meta:
            app_label = "todos"

    [error] = mismatches(UnfinishedGadget)
    assert (error.id, error.msg) == (
        "resources.E003",
        "Gadget.label has no column on UnfinishedGadget",
    )


class Visible(models.Manager["OwnedModel"]):
    """A manager that hides rows, as a soft delete would."""

    def get_queryset(self) -> models.QuerySet["OwnedModel"]:
        return super().get_queryset().filter(version__gt=0)


@isolate_apps("todos")
def test_a_default_manager_that_filters_is_an_error_the_repository_would_bypass() -> None:
    class HiddenGadget(OwnedModel):
        entity = Gadget
        label = models.CharField(max_length=255)
        objects = Visible()

        class Meta:
            app_label = "todos"

    [error] = mismatches(HiddenGadget)
    assert error.id == "resources.E004"
    assert "Visible" in error.msg
