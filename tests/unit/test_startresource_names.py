"""manage.py startresource refuses a name that clashes, saying why, and writes nothing."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from core.resources.names import names_for, singular

ROOT = Path(settings.BASE_DIR)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("json", "standard module"),
        ("match", "keyword"),
        ("django", "importable already"),
        ("ninja", "already has that label"),
        ("pydantic", "importable already"),
        ("sessions", "django.contrib.sessions"),
        ("todos", "already has that label"),
        ("identity", "already has that label"),
        ("tests", "importable already"),
        ("Projects", "lower-case"),
        ("work_items_of_teams", "at most 16"),
        ("data", "--singular"),
    ],
)
def test_a_clashing_name_is_refused_before_anything_is_written(name: str, reason: str) -> None:
    before = sorted(path.name for path in ROOT.iterdir())
    with pytest.raises(CommandError, match=reason) as refused:
        call_command("startresource", name)
    assert "Nothing was written" in str(refused.value)
    assert sorted(path.name for path in ROOT.iterdir()) == before


@pytest.mark.parametrize(
    ("plural", "noun"),
    [
        ("projects", "project"),
        ("categories", "category"),
        ("boxes", "box"),
        ("addresses", "address"),
    ],
)
def test_the_singular_of_a_regular_plural(plural: str, noun: str) -> None:
    assert singular(plural) == noun


def test_an_irregular_singular_is_given_and_names_the_entity() -> None:
    names = names_for("people", "person", app_labels=set())
    assert (names.entity, names.context()["a_noun"]) == ("Person", "a person")
    assert names_for("work_items", None, app_labels=set()).entity == "WorkItem"
