"""Wire a generated resource into the project: INSTALLED_APPS, the composition root and
the API. Each edit is made where a person would make it, formatted as ruff formats it."""

from __future__ import annotations

import ast
from pathlib import Path

from core.resources.names import Names

LINE_LENGTH = 100


def wire(root: Path, names: Names) -> list[Path]:
    """Add the resource `names` to the project at `root`; return the files changed."""
    app, entity = names.plural, names.entity
    settings, composition, api = (
        root / "config" / f for f in ("settings.py", "composition.py", "api.py")
    )
    text = settings.read_text()
    start = text.index("INSTALLED_APPS = [")
    end = text.index("\n]", start)
    settings.write_text(f'{text[:end]}\n    "{app}",{text[end:]}')

    text = composition.read_text()
    text = _before(
        text, "\n    clock: Clock\n", f"\n    {app}: Store[{entity}]", within="class Adapters"
    )
    made = f"\n        {app}=orm_store({entity}Model, {entity}KeyModel),"
    text = _before(text, "\n        clock=utc_now,", made, within="def database_adapters")
    memory = f"\n        {app}=memory_store(owner_is_active=users.is_active),"
    text = _before(text, "\n        clock=utc_now,", memory, within="def in_memory_adapters")
    for module, name in (
        ("core.resources.keys", "orm_store"),
        ("core.resources.memory", "memory_store"),
        ("core.resources.ports", "Store"),
        (f"{app}.domain", entity),
        (f"{app}.models", f"{entity}KeyModel"),
        (f"{app}.models", f"{entity}Model"),
    ):
        text = add_import(text, module, name)
    composition.write_text(text)

    text = api.read_text()
    mount = f'api.add_router("/{app}", {app}_router(adapters), auth=bearer)\n'
    text = _before(text, 'api.add_router("", health.router)', mount)
    api.write_text(add_import(text, f"{app}.api", f"build_router as {app}_router"))
    return [settings, composition, api]


def _before(text: str, anchor: str, addition: str, *, within: str = "") -> str:
    """Insert `addition` before the first `anchor` after `within`.

    :raises ValueError: naming the anchor, if the file no longer has it.
    """
    start = text.find(within)
    at = text.find(anchor, max(start, 0))
    if start < 0 or at < 0:
        raise ValueError(f"found no {anchor.strip()!r} after {within!r}: add {addition.strip()!r}")
    return text[:at] + addition + text[at:]


def add_import(source: str, module: str, name: str) -> str:
    """Return `source` importing `name` from `module`, among the first-party imports in
    the order isort keeps them; a module imported already gains the name."""
    tree = ast.parse(source)
    imports = [node for node in tree.body if isinstance(node, ast.ImportFrom) and node.module]
    lines = source.splitlines(keepends=True)
    for node in imports:
        if node.module == module:
            held = [a.name + (f" as {a.asname}" if a.asname else "") for a in node.names]
            if name in held:
                return source
            lines[node.lineno - 1 : node.end_lineno] = [_statement(module, [*held, name])]
            return "".join(lines)
    roots = {"config", "core", module.split(".")[0]}
    local = [node for node in imports if str(node.module).split(".")[0] in roots]
    after = [node for node in local if str(node.module) > module]
    at = after[0].lineno - 1 if after else local[-1].end_lineno or 0
    lines.insert(at, _statement(module, [name]))
    return "".join(lines)


def _statement(module: str, names: list[str]) -> str:
    names = sorted(set(names), key=lambda n: (not n[0].isupper() or n.isupper(), n.lower()))
    single = f"from {module} import {', '.join(names)}\n"
    if len(single) <= LINE_LENGTH + 1:
        return single
    return f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")\n"
