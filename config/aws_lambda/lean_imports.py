"""`django.test.signals` alone, without the rest of `django.test`, for a function's init.

Django Ninja's settings module (ninja/conf.py) imports one name, `setting_changed`, from
`django.test.signals`. Importing any module of a package first runs the package's
`__init__`, and django/test/__init__.py imports Django's test client, its test cases
and their live server: unittest, xml.dom, wsgiref, http.server and platform, none of
which a function serving requests uses.

`load_test_signals_alone()` loads django/test/signals.py by itself and leaves the
`django.test` package to a lazy loader (importlib.util.LazyLoader): the package runs
its `__init__` the first time anything reads one of its attributes, so a management
command or a test that needs it gets the whole package as usual. Only the Lambda
handler calls it; everywhere else Django imports as it always does.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys

PACKAGE = "django.test"
SIGNALS = f"{PACKAGE}.signals"


def load_test_signals_alone() -> bool:
    """Load `django.test.signals` without running django/test/__init__.py; return whether
    it did (not when the package is loaded already, or cannot be found)."""
    if PACKAGE in sys.modules or SIGNALS in sys.modules:
        return False
    package_spec = importlib.util.find_spec(PACKAGE)  # imports `django`, not django.test
    if package_spec is None or package_spec.loader is None:
        return False
    signals_spec = importlib.machinery.PathFinder.find_spec(
        SIGNALS, package_spec.submodule_search_locations
    )
    if signals_spec is None or signals_spec.loader is None:
        return False
    lazy_loader = importlib.util.LazyLoader(package_spec.loader)
    package_spec.loader = lazy_loader
    package = importlib.util.module_from_spec(package_spec)
    sys.modules[PACKAGE] = package
    lazy_loader.exec_module(package)  # runs nothing until an attribute is read
    signals = importlib.util.module_from_spec(signals_spec)
    sys.modules[SIGNALS] = signals
    try:
        signals_spec.loader.exec_module(signals)
    except BaseException:
        del sys.modules[SIGNALS], sys.modules[PACKAGE]
        raise
    # What an import sets, on the parents: read later, `django.test` loads the package.
    sys.modules["django"].test = package  # type: ignore[attr-defined]
    package.signals = signals  # type: ignore[attr-defined]  # set without loading it
    return True
