"""The package's layers import only downward, and nothing imports in a cycle; the benchmarks
use the package, never the other way round, and neither imports the tests."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "moderation"

# Lower layers first; a module may import its own layer and the layers before it.
LAYERS = [
    {"comments", "errors", "shipped"},
    {"features", "io"},
    {"model"},
    {"commands"},
    {"server", "annotate", "review"},
    {"cli", "__main__"},
]


def layer_of(module: str) -> int:
    top = module.split(".")[1] if module.count(".") else "__init__"
    for number, names in enumerate(LAYERS):
        if top in names:
            return number
    raise AssertionError(f"{module}: in no layer of tests/test_layers.py; add it to one")


def imported_modules(path: Path) -> set[str]:
    """The modules a file imports (anywhere in it); ``from M import N`` gives M and M.N."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def imports() -> dict[str, set[str]]:
    """Each module of the package, and the modules of the package it imports (anywhere in it)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[module] = {name for name in imported_modules(path) if name.startswith("moderation")}
    known = set(found)
    return {module: {name for name in names if name in known and name != module} for module, names in found.items()}


GRAPH = imports()


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m != "moderation"))
def test_no_module_imports_a_higher_layer(module):
    upward = sorted(name for name in GRAPH[module] if name != "moderation" and layer_of(name) > layer_of(module))
    assert not upward, f"{module} imports {upward} from a higher layer"


def test_no_import_cycles():
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module, path):
        state[module] = 1
        for name in GRAPH.get(module, ()):
            if state.get(name) == 1:
                raise AssertionError("import cycle: " + " → ".join([*path, module, name]))
            if name not in state:
                visit(name, [*path, module])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [])


DOORS = {"server": "moderation.server.scoring", "annotate": "moderation.annotate.moderation_access", "review": "moderation.review.model_access"}


@pytest.mark.parametrize("package, door", DOORS.items())
def test_one_module_of_server_annotate_and_review_reaches_the_model(package, door):
    """The rest of the package goes through its door, so a change of the model's API is ported there alone."""
    reaching = sorted(m for m, names in GRAPH.items() if m.startswith(f"moderation.{package}.") and any(n.startswith("moderation.model") for n in names))
    assert reaching == [door]


# tools/ holds what tests/, bench/ and docs/ share (chromium.py, disguises.py); the package uses none of it.
@pytest.mark.parametrize(
    "folder, never",
    [("moderation", {"bench", "tests", "tools"}), ("tests", {"bench"}), ("bench", {"tests"}), ("tools", {"bench", "tests"})],
)
def test_bench_uses_the_package_and_nothing_imports_bench_or_the_tests(folder, never):
    wrong = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / folder).rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in never
    )
    assert not wrong
