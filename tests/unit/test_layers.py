from importlinter.cli import lint_imports


def test_the_hexagon_and_core_keep_their_import_contracts() -> None:
    # Contracts live in pyproject.toml: the domain, ports and services import neither
    # Django nor Ninja, and core never imports the todos app.
    assert lint_imports() == 0
