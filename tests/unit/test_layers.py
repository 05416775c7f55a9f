"""The library's shape (decision 0060): the shared kernel at the bottom, the email backbone and
rendering above it, services above those, the doors (CLI) and the embedded stack on top; no
import circle; no module a newcomer cannot read in one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "tctfmsg"
# A part may import only the parts listed for it (and itself).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "email": {"core"},
    "rendering": {"core"},
    "campaigns": {"core", "email", "rendering"},
    "communication": {"core", "email", "rendering"},
    "user_messages": {"core", "email", "rendering"},
    "samples": set(),
}
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Every tctfmsg module this one imports, at any depth (lazy imports count too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            targets = [f"{base}.{a.name}" for a in node.names]
            if any(target not in MODULES for target in targets):
                targets.append(base)  # a name defined in the package itself
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target.startswith("tctfmsg.") and target != name:
                out.add(target)
    return out


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _part(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def test_no_part_imports_a_layer_above_it() -> None:
    wrong = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if _part(module) in ALLOWED
        for target in targets
        if _part(target) not in ALLOWED[_part(module)] | {_part(module)}
    ]
    assert wrong == []


def test_the_import_graph_has_no_circle() -> None:
    # A package's __init__ re-exporting its own modules is not a circle of design.
    def edges(module: str) -> set[str]:
        return {
            t
            for t in GRAPH[module]
            if not (module.startswith(f"{t}.") and MODULES[t].name == "__init__.py")
        }

    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges(module)):
            if state.get(target) == 1:
                circles.append(
                    [*trail[trail.index(target) :], target] if target in trail else [module, target]
                )
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert [" -> ".join(c) for c in circles] == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_400_lines(name: str) -> None:
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by use case"
