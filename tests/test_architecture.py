"""House rules that keep the code base's shape: one-way imports, one ffmpeg spawner."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("media", "episodes", "feeds", "pipeline")
# What each package may import of ours (STYLE.md rule 1).
ALLOWED = {
    "media": set(),
    "episodes": set(),
    "feeds": {"episodes"},
    "pipeline": {"media", "episodes", "feeds"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_flow_one_way(package: str) -> None:
    for path in sorted((ROOT / package).rglob("*.py")):
        ours = _imports(path) & set(PACKAGES) - {package}
        assert ours <= ALLOWED[package], f"{path.relative_to(ROOT)} imports {sorted(ours)}"


def test_only_media_ffmpeg_spawns_ffmpeg() -> None:
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if path.relative_to(ROOT).as_posix() == "media/ffmpeg.py":
                continue
            if "subprocess" in _imports(path) and ('"ffmpeg"' in text or '"ffprobe"' in text):
                offenders.append(path.relative_to(ROOT).as_posix())
    assert offenders == []


@pytest.mark.parametrize("package", PACKAGES)
def test_packages_come_from_this_repository(package: str) -> None:
    # PyPI has unrelated 'media', 'pipeline' and 'episodes' distributions; a shared
    # environment could shadow ours without pip noticing (STYLE.md packaging note).
    module = __import__(package)
    assert Path(module.__file__).resolve().parent == ROOT / package


def test_no_print_below_the_cli() -> None:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.name in ("cli.py",):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            calls = [
                n
                for n in ast.walk(tree)
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
            ]
            assert not calls, f"{path.relative_to(ROOT)} prints; log instead"


def _module_graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (relative or absolute, lazy too)."""
    graph: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        name = path.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1 and node.module:
                    deps.add(f"{package}.{node.module}")
                elif node.level == 1:
                    deps |= {f"{package}.{a.name}" for a in node.names}
                elif node.level == 0 and node.module and node.module.startswith(package + "."):
                    deps.add(node.module)
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name.startswith(package + ".")}
        graph[name] = {d for d in deps if d != name}
    return graph


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle_inside_a_package(package: str) -> None:
    """Lazy imports count too: a cycle hidden in a function is still two modules that need
    each other (kotocast 0.1's publish <-> video)."""
    graph = _module_graph(package)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if dep not in graph:
                continue
            if state.get(dep) == 1:
                cycle = [*stack[stack.index(dep) :], dep]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


MAX_MODULE_LINES = 540  # "about 500": a module past it is doing two jobs; split it by concern


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_is_over_about_500_lines(package: str) -> None:
    long = {
        path.relative_to(ROOT).as_posix(): lines
        for path in sorted((ROOT / package).rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}
