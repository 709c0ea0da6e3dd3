"""The house rules, read from the source: imports only go down the layers, the pure core touches
no database, file or screen, and no module imports itself round a circle. Imports inside
functions count as much as those at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "evidence"

# Bottom to top. A module may import from its own package and from any layer below it;
# packages that share a layer (cli and api) do not import each other.
LAYERS = [
    ("errors", "version", "seeds"),  # shared by all: named exceptions, the version, the demo reviews' data
    ("core",),  # pure: no database, no files, no screen
    ("formats",),  # files in and out, no database
    ("store",),  # engine, schema, migrations, views, bulk paths, read-only SQL
    ("workflows",),  # the review's workflows on the store
    ("outputs",),  # what is drawn or written for people: figures, report, export
    ("jobs",),  # whole jobs: the demo, the worked example, benchmarks
    ("cli", "api"),  # the faces
    ("testing",),  # for the tests: store copies, the CLI in-process, a throwaway PostgreSQL
    ("__main__", "__init__"),  # `python -m evidence` and `import evidence` reach the faces
]
LEVEL = {package: level for level, packages in enumerate(LAYERS) for package in packages}
# The pure core may use the numerical stack and the standard library's pure parts, nothing that reaches
# a database, a file, a screen or the network.
CORE_MAY_NOT = {"sqlalchemy", "duckdb", "psycopg", "alembic", "matplotlib", "pandas", "typer", "click", "yaml",
                "csv", "openpyxl", "rispy", "pathlib", "os", "io", "shutil", "tempfile", "subprocess", "socket"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "versions" not in p.parts}


def imports_of(name: str, source: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in `source`, at the top or inside a function."""
    found = []
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            base = parts[: len(parts) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:  # `from evidence.store import schema` imports the module schema
                full = f"{target}.{alias.name}"
                found.append((node.lineno, full if full in MODULES else target))
    return found


def layer_of(module: str) -> str:
    """The layer package of an evidence module: evidence.store.bulk -> store; evidence -> __init__."""
    return module.split(".")[1] if "." in module else "__init__"


def violations(name: str, source: str, is_package: bool = False) -> list[str]:
    """Every import of module `name` (its source given) that breaks a house rule, as a sentence."""
    package = layer_of(name)
    if package not in LEVEL:
        return [f"{name}: evidence.{package} belongs to no layer (add it to LAYERS where it belongs)"]
    found = []
    for line, target in imports_of(name, source, is_package):
        root = target.split(".")[0]
        if root != "evidence":
            if package == "core" and root in CORE_MAY_NOT:
                found.append(f"line {line}: the pure core imports {target}")
            continue
        other = layer_of(target)
        if other not in LEVEL:
            found.append(f"line {line}: {target} belongs to no layer")
        elif other != package and LEVEL[other] >= LEVEL[package]:
            found.append(f"line {line}: {name} ({package}) imports {target} ({other}): imports only go down")
    return found


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_only_go_down(name):
    path = MODULES[name]
    assert violations(name, path.read_text(encoding="utf-8"), path.name == "__init__.py") == [], path


def test_the_rules_catch_what_they_forbid():
    assert violations("evidence.core.example", "from evidence.store.database import init") == [
        "line 1: evidence.core.example (core) imports evidence.store.database (store): imports only go down"]
    assert violations("evidence.core.example", "def f():\n    import sqlalchemy") == [
        "line 2: the pure core imports sqlalchemy"]
    assert violations("evidence.workflows.example", "from evidence.outputs import report") != []
    assert violations("evidence.jobs.example", "from evidence.testing import postgres") != []
    assert violations("evidence.cli.example", "from evidence.api import meta") != []
    assert violations("evidence.outputs.example", "from ..workflows.pool import pool_review") == []
    assert violations("evidence.elsewhere", "") != []


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """A path that comes back to where it started (depth-first), or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        for following in sorted(graph.get(node, ())):
            if following in path:
                return path[path.index(following):] + [following]
            if following not in done:
                circle = visit(following, path + [following])
                if circle:
                    return circle
        done.add(node)
        return None

    for name in sorted(graph):
        if name not in done:
            circle = visit(name, [name])
            if circle:
                return circle
    return None


def test_no_circles():
    graph = {name: {target for _, target in imports_of(name, path.read_text(encoding="utf-8"), path.name == "__init__.py")
                    if target in MODULES and target != name}
             for name, path in MODULES.items()}
    assert find_circle(graph) is None
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
