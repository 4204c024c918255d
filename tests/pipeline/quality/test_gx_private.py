"""The private names of GX the gates' speed-ups touch (no servers): each is where the
speed-up expects it, the guard turns the speed-ups off when one is not, and the package
touches no private name of GX that sparkify.quality.gx_private does not list."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from sparkify.quality import gx_private
from sparkify.quality.gx_private import PRIVATE_NAMES, PrivateName

PACKAGE = Path(__file__).resolve().parents[3] / "plugins" / "sparkify"
LIBRARIES = ("great_expectations", "airflow", "moto")
# GX's documented extension points whose names start with an underscore: "Expectation
# classes must implement _validate" (the Expectation class's reference), and a custom
# metric's functions per engine (the custom metric guide).
DOCUMENTED_HOOKS = {"_validate", "_sqlalchemy"}


@pytest.mark.parametrize("name", PRIVATE_NAMES, ids=lambda name: name.name)
def test_each_private_name_is_where_the_speed_up_expects_it(name):
    assert name.problem() is None


def test_a_moved_name_or_changed_parameters_are_told():
    gone = PrivateName("great_expectations.core.suite_parameters", "NoSuchParser", None, "a test")
    changed = PrivateName(
        "great_expectations.checkpoint.actions", "UpdateDataDocsAction._build_data_docs", ("self", "site_names"), "a test"
    )

    assert gone.problem().startswith("great_expectations.core.suite_parameters.NoSuchParser is gone")
    assert changed.problem() == (
        "great_expectations.checkpoint.actions.UpdateDataDocsAction._build_data_docs takes "
        "('self', 'site_names', 'resource_identifiers'), not ('self', 'site_names')"
    )


def test_the_switch_turns_the_speed_ups_off(monkeypatch):
    gx_private.intact.cache_clear()
    monkeypatch.setenv(gx_private.SWITCH, "off")
    try:
        assert gx_private.intact() is False
    finally:
        gx_private.intact.cache_clear()
    monkeypatch.delenv(gx_private.SWITCH)
    assert gx_private.intact() is True


def _library_imports(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted name it was imported as, for GX, Airflow and moto."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in LIBRARIES:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in LIBRARIES:
                    names[alias.asname or alias.name.split(".")[0]] = alias.name
    return names


def _resolve(dotted: str):
    module, _, attribute = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError):
        return importlib.import_module(dotted)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_names_touched(path: Path) -> set[str]:
    """The private names of GX, Airflow or moto that ``path`` imports, overrides in a
    subclass, calls on ``self``/``super()`` without defining them, or assigns on an
    imported module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    imported = _library_imports(tree)
    touched = {dotted.rpartition(".")[2] for dotted in imported.values() if _is_private(dotted.rpartition(".")[2])}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id in imported:
                    touched.add(target.attr)
        if not isinstance(node, ast.ClassDef):
            continue
        bases = [_resolve(imported[base.id]) for base in node.bases if isinstance(base, ast.Name) and base.id in imported]
        if not bases:
            continue
        own = {item.name for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
        used = {
            item.attr
            for item in ast.walk(node)
            if isinstance(item, ast.Attribute)
            and _is_private(item.attr)
            and (
                (isinstance(item.value, ast.Name) and item.value.id == "self" and item.attr not in own)
                or (isinstance(item.value, ast.Call) and getattr(item.value.func, "id", None) == "super")
            )
        }
        for name in (own | used) - DOCUMENTED_HOOKS:
            if _is_private(name) and any(hasattr(base, name) for base in bases):
                touched.add(name)
    return touched


def test_the_package_touches_no_private_name_of_gx_that_is_not_listed():
    listed = {name.attribute.rpartition(".")[2] for name in PRIVATE_NAMES}
    touched: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for name in private_names_touched(path):
            touched.setdefault(name, []).append(str(path.relative_to(PACKAGE)))

    assert {name: files for name, files in touched.items() if name not in listed} == {}
    # The scan finds what the list holds (else it could pass by finding nothing).
    assert {"_fully_specified_batch_requests", "_NoMatchDiagnostics", "_build_data_docs", "EXPR"} <= set(touched)
