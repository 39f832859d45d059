"""The shape of lib/: no import cycles (counting every import, also under TYPE_CHECKING and inside
functions), no Streamlit in the engine or the client, the engine reads nothing of the client but
its contract, and lib.media (shared by both) reads neither side. Built from the source's AST, so an import
that never runs still counts."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
LIB = REPO_ROOT / "lib"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(LIB.rglob("*.py"))}


def imported_names(path: Path) -> set[str]:
    """Every module `path` imports, anywhere in the file, as absolute dotted names."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from lib.engine import jobs` imports the module lib.engine.jobs (and runs lib/engine/__init__,
            # which the graph does not count: see lib_edges)
            submodules = {f"{base}.{alias.name}" for alias in node.names} & MODULES.keys()
            names.update(submodules)
            if len(submodules) < len(node.names):
                names.add(base)
    return names


def lib_edges(path: Path) -> set[str]:
    """The lib modules `path` depends on (a package's __init__ is not counted as a dependency of its
    own submodules: Python runs it first anyway, and it is checked as a module of its own)."""
    own = module_name(path)
    edges = set()
    for name in imported_names(path):
        if name in MODULES and name != own and not own.startswith(name + "."):
            edges.add(name)
    return edges


GRAPH = {name: lib_edges(path) for name, path in MODULES.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_the_graph_sees_imports_under_type_checking_and_inside_functions() -> None:
    probe = LIB / "engine" / "video_api.py"
    edges = lib_edges(probe)
    assert "lib.engine.catalog.avatars" in edges  # imported inside check_lookups
    assert "lib.engine.catalog.avatars" in lib_edges(LIB / "engine" / "catalog_api.py")  # under TYPE_CHECKING
    assert "lib.engine.job_store" in lib_edges(LIB / "engine" / "jobs.py")  # `from lib.engine import job_store`
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_lib_has_no_import_cycles() -> None:
    assert find_cycles(GRAPH) == []


@pytest.mark.parametrize("package", ["lib.engine", "lib.joggai"])
def test_engine_and_client_never_import_streamlit(package: str) -> None:
    offenders = {
        name: sorted(i for i in imported_names(path) if i.split(".")[0] == "streamlit")
        for name, path in MODULES.items() if name.startswith(package)
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_engine_reads_only_the_contract_of_the_client() -> None:
    offenders = {
        name: sorted(i for i in imported_names(path)
                     if (i == "lib.joggai" or i.startswith("lib.joggai.")) and i != "lib.joggai.contract")
        for name, path in MODULES.items() if name.startswith("lib.engine")
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_engine_does_not_reach_into_the_studio() -> None:
    offenders = {name: sorted(i for i in imported_names(path) if i.startswith("lib.studio"))
                 for name, path in MODULES.items() if name.startswith(("lib.engine", "lib.joggai"))}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_media_is_neutral_so_the_engine_and_the_studio_may_both_use_it() -> None:
    # lib.media (the music bed, finishing) is shared: it may read the contract, nothing of either side.
    offenders = {name: sorted(i for i in imported_names(path)
                              if i.split(".")[0] == "streamlit" or i.startswith(("lib.engine", "lib.studio"))
                              or (i.startswith("lib.joggai") and i != "lib.joggai.contract"))
                 for name, path in MODULES.items() if name.startswith("lib.media")}
    assert offenders and {name: found for name, found in offenders.items() if found} == {}
