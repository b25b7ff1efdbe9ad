"""The layout is part of the design: these tests keep the import graph the way the README's module map
says, so that a shortcut taken in a hurry fails here instead of silently coupling two layers.

Data flows one way: base layer (``citeproof``) -> connectors -> index -> verifier -> integrations. Every
import is counted, at module level or inside a function (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# folder -> import name, as pyproject's [tool.setuptools.package-dir] installs them
PACKAGES = {
    "citeproof": "citeproof",
    "data": "citeproof.data",
    "connectors": "citeproof.connectors",
    "index": "citeproof.index",
    "verifier": "citeproof.verifier",
    "integrations/cli": "citeproof.cli",
    "integrations/service": "citeproof.service",
    "integrations/mcp": "citeproof.mcp",
    "integrations/langchain": "citeproof.langchain",
}
# the layer of each package; a module may import from its own layer or lower ones. `citeproof` itself
# (its __init__) is the public face on top of everything; its submodules are the base layer.
FACE = "citeproof"
LAYER = {
    FACE: 5,
    "citeproof.": 0,
    "citeproof.data": 0,
    "citeproof.connectors": 1,
    "citeproof.index": 2,
    "citeproof.verifier": 3,
    "citeproof.cli": 4,
    "citeproof.service": 4,
    "citeproof.mcp": 4,
    "citeproof.langchain": 4,
}


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder, name in PACKAGES.items():
        base = ROOT / folder
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(base).with_suffix("")
            if any(p in PACKAGES for p in (f"{folder}/{part}" for part in rel.parts[:1])):
                continue  # a nested package listed on its own (none today)
            parts = [name, *rel.parts]
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _package(module: str) -> str:
    if module == FACE:
        return FACE
    return max((p for p in LAYER if module == p or module.startswith(p.rstrip(".") + ".")), key=len)


def _imports(module: str, path: Path) -> set[str]:
    """Every citeproof module that `module` imports, resolved to a module (not a name in it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = module if is_pkg else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    pkg = pkg.rpartition(".")[0]
                base = f"{pkg}.{base}" if base else pkg
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        for t in targets:
            if t.startswith("citeproof"):
                while t not in MODULES and "." in t:
                    t = t.rpartition(".")[0]
                if t in MODULES and t != module:
                    out.add(t)
    return out


GRAPH = {m: _imports(m, p) for m, p in MODULES.items()}


def test_the_map_finds_every_package() -> None:
    assert {"citeproof", "citeproof.models", "citeproof.cli", "citeproof.index.core", "citeproof.verifier.core"} <= set(
        MODULES
    )


def test_no_module_imports_another_packages_private_module() -> None:
    bad = []
    for m, deps in GRAPH.items():
        for d in deps:
            private = [p for p in d.split(".") if p.startswith("_") and p != "__init__"]
            if private and _package(d) != _package(m):
                bad.append(f"{m} -> {d}")
    assert bad == []


def test_data_flows_one_way() -> None:
    """readers -> Record -> index -> verifier -> integrations: never back up a layer."""
    bad = [f"{m} -> {d}" for m, deps in GRAPH.items() for d in deps if LAYER[_package(d)] > LAYER[_package(m)]]
    assert bad == []


def test_no_import_cycles_lazy_or_not() -> None:
    """A package's __init__ importing its own submodules is how a package exports; a cycle is any other
    loop (a module reaching back, directly or not, to one that imports it)."""
    graph = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in GRAPH.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    assert cycles == []


def test_one_definition_of_the_result_models() -> None:
    """Report and CitationResult are the verifier's vocabulary, defined once in the base layer."""
    defined = [
        f"{m}.{node.name}"
        for m, path in MODULES.items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and node.name in {"Report", "CitationResult", "Citation", "Record", "Status"}
    ]
    assert sorted(defined) == [
        "citeproof.models.Citation",
        "citeproof.models.CitationResult",
        "citeproof.models.Record",
        "citeproof.models.Report",
        "citeproof.models.Status",
    ]


@pytest.mark.parametrize("module", ["citeproof", "citeproof.models", "citeproof.index", "citeproof.connectors"])
def test_light_imports_stay_light(module: str) -> None:
    """Importing the base layer, the index or the readers loads no HTTP client, and the base layer
    no FAISS or PyTorch: a service that only reads dumps, or a type checker, pays for what it uses."""
    code = f"import sys, {module}; print(sorted(m for m in ('requests', 'faiss', 'torch') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    heavy = {"citeproof": "[]", "citeproof.models": "[]", "citeproof.connectors": "[]"}
    if module in heavy:
        assert loaded == heavy[module]
    else:
        assert "requests" not in loaded


def test_the_public_face() -> None:
    import citeproof

    for name in citeproof.__all__:
        assert getattr(citeproof, name) is not None, name
    from citeproof import Report, Verifier, __version__, build_index, verify

    assert callable(verify) and callable(build_index) and isinstance(__version__, str)
    assert Verifier.__module__ == "citeproof.verifier.core" and Report.__module__ == "citeproof.models"
