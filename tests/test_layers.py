"""The core's imports stand in layers: no circle, and no import hidden to dodge one.

Read from the source with ``ast`` (nothing is imported), so a circle cannot hide behind the order
in which modules happen to be loaded. The one import a function may make is an optional
dependency, inside ``try: ... except ImportError``; none waits behind ``TYPE_CHECKING``.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Import:
    where: str  # path:line
    source: str  # the importing module
    targets: frozenset[str]  # the core modules it loads
    hidden: bool  # inside a function (not an optional dependency) or behind TYPE_CHECKING


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: set[str]) -> frozenset[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        package = module.split(".") if is_package else module.split(".")[:-1]
        base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
        prefix = ".".join(part for part in (base, node.module or "") if part)
        submodules = [f"{prefix}.{alias.name}" for alias in node.names if f"{prefix}.{alias.name}" in known]
        names = submodules if len(submodules) == len(node.names) else [prefix, *submodules]
    found = set()
    for name in names:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name.startswith("core") and name != module:
            found.add(name)
    return frozenset(found)


def _optional(trail: list[ast.AST]) -> bool:
    return any(
        isinstance(parent, ast.Try) and any(
            handler.type is not None and any(word in ast.unparse(handler.type) for word in ("ImportError", "ModuleNotFoundError"))
            for handler in parent.handlers
        )
        for parent in trail
    )


@lru_cache(maxsize=1)
def _imports() -> tuple[Import, ...]:
    paths = {_name(path): path for path in sorted((ROOT / "core").rglob("*.py"))}
    found: list[Import] = []
    for module, path in paths.items():
        where = str(path.relative_to(ROOT))

        def visit(node: ast.AST, trail: list[ast.AST], in_function: bool) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    for_types = isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                    found.append(Import(f"{where}:{child.lineno}", module,
                                        _targets(child, module, path.name == "__init__.py", set(paths)),
                                        for_types or (in_function and not _optional(trail))))
                inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                visit(child, [*trail, child], inside)

        visit(ast.parse(path.read_text(encoding="utf-8")), [], False)
    return tuple(found)


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that reach each other (more than one): each is a circle."""
    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for target in graph.get(todo.pop(), ()):
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    reached = {module: reach(module) for module in graph}
    groups = {frozenset({m} | {o for o in reached[m] if m in reached[o]}) for m in graph if m in reached[m]}
    return sorted(sorted(group) for group in groups)


def test_no_import_hides_in_the_core() -> None:
    hidden = [i.where for i in _imports() if i.hidden]
    assert hidden == []


def test_the_core_has_no_import_circle() -> None:
    graph: dict[str, set[str]] = {}
    for found in _imports():
        graph.setdefault(found.source, set()).update(found.targets)
    assert _circles(graph) == []
