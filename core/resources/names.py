"""The names a generated resource takes, and the clashes that refuse one."""

from __future__ import annotations

import builtins
import keyword
import pkgutil
import re
import sys
from dataclasses import dataclass
from importlib.util import find_spec

# Index names (at most 30 characters) are built from the app's name and a suffix.
MAX_LENGTH = 16
_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Names:
    """Every spelling of one resource: `projects`, `project`, `Project`."""

    plural: str
    noun: str

    @property
    def entity(self) -> str:
        """The entity's class name: `WorkItem` for `work_item`."""
        return "".join(part.capitalize() for part in self.noun.split("_"))

    def context(self) -> dict[str, str]:
        """What the templates of core/resources/ are rendered with."""
        words = self.noun.replace("_", " ")
        return {
            "noun": self.noun,
            "entity": self.entity,
            "words": self.plural.replace("_", " "),
            "a_noun": f"{'an' if words[0] in 'aeiou' else 'a'} {words}",
            "upper": self.plural.upper(),
        }


def singular(plural: str) -> str | None:
    """Return the singular of a regular English plural, or None if it is not one."""
    for ending, replacement in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch")):
        if plural.endswith(ending):
            return plural.removesuffix(ending) + replacement
    if plural.endswith("s") and not plural.endswith("ss"):
        return plural[:-1]
    return None


def clashes(name: str, *, app_labels: set[str]) -> str | None:
    """Say why `name` cannot name a new app, or None if it can."""
    if not _NAME.fullmatch(name) or len(name) > MAX_LENGTH:
        return f"use lower-case letters, digits and underscores, at most {MAX_LENGTH}"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return "it is a Python keyword"
    if name in sys.stdlib_module_names or name in dir(builtins):
        return "it is the name of a Python standard module or built-in"
    if name in app_labels:
        return "an installed app already has that label"
    if name in _django_apps():
        return f"it is the label of Django's own app django.contrib.{name}"
    if find_spec(name) is not None:
        return "a module of that name is importable already (an app, a folder or a package)"
    return None


def _django_apps() -> set[str]:
    """Return the labels of the apps Django ships (sessions, sites, ...), installed or not."""
    import django.contrib

    return {module.name for module in pkgutil.iter_modules(django.contrib.__path__)}


def names_for(plural: str, noun: str | None, *, app_labels: set[str]) -> Names:
    """Return the names of the resource `plural`.

    :raises ValueError: saying what is wrong, if `plural` or its singular clashes.
    """
    reason = clashes(plural, app_labels=app_labels)
    if reason:
        raise ValueError(f"'{plural}' cannot name a resource: {reason}.")
    noun = noun or singular(plural)
    if noun is None:
        raise ValueError(f"'{plural}' does not end like a plural: give --singular.")
    if not _NAME.fullmatch(noun) or keyword.iskeyword(noun) or noun == plural:
        raise ValueError(f"'{noun}' cannot be the singular: use a different identifier.")
    return Names(plural=plural, noun=noun)
