"""`pip install .` gives a working `paysandbox`: every third-party module the package imports
comes with the core dependencies (not an extra), and `--version` reads the package metadata."""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import inspect
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

import sandbox

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(sandbox.__file__).parent
# Loaded by pytest itself, which brings its own dependency.
PYTEST_ONLY = {"pytest_plugin.py"}


def _top_level_imports() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if path.name in PYTEST_ONLY:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"sandbox", "__future__"}


def _closure(requirements: list[str]) -> set[str]:
    """Every distribution `pip install` brings for these requirements (with their extras)."""
    seen: set[str] = set()
    todo = [(Requirement(r), set(Requirement(r).extras)) for r in requirements]
    while todo:
        requirement, extras = todo.pop()
        name = requirement.name.lower().replace("_", "-")
        key = f"{name}[{','.join(sorted(extras))}]"
        if key in seen:
            continue
        seen.add(key)
        for raw in metadata.requires(name) or []:
            child = Requirement(raw)
            env = [{"extra": e} for e in extras] or [{"extra": ""}]
            if child.marker is None or any(child.marker.evaluate(e) for e in env):
                todo.append((child, set(child.extras)))
    return {key.split("[")[0] for key in seen}


def _module_owners() -> dict[str, set[str]]:
    """Module → the distributions that install it, as `packages_distributions()` says, plus
    single-file extension modules (`zint.cpython-311-x86_64-linux-gnu.so`), which Python
    3.11's inference misses."""
    owners = {module: set(dists) for module, dists in metadata.packages_distributions().items()}
    for dist in metadata.distributions():
        for file in dist.files or ():
            name = inspect.getmodulename(file.name) if len(file.parts) == 1 else None
            if name:
                owners.setdefault(name, set()).add(dist.metadata["Name"])
    return owners


def test_every_imported_module_comes_with_the_core_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    installed = _closure(project["dependencies"])
    owners = _module_owners()
    missing = {
        module: owners.get(module)
        for module in _top_level_imports()
        if not {d.lower().replace("_", "-") for d in owners.get(module, ())} & installed
    }
    assert not missing, f"imported but not a core dependency: {missing}"


def test_schemathesis_is_a_core_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(Requirement(r).name == "schemathesis" for r in project["dependencies"])


def test_version_comes_from_the_package_metadata():
    done = subprocess.run(
        [sys.executable, "-m", "sandbox", "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"paysandbox {metadata.version('paysandbox')}"
