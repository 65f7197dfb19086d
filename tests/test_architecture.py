"""Layering and seams (ARCHITECTURE.md): the core never imports a provider, providers never
import each other, and time, randomness and ids each come from one place."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import sandbox
from sandbox.providers import REGISTRY

PACKAGE = Path(sandbox.__file__).parent
CORE = [p for p in PACKAGE.rglob("*.py") if "providers" not in p.relative_to(PACKAGE).parts]


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_core_never_imports_a_provider():
    for path in CORE:
        for name in _imports(path):
            assert not re.match(r"sandbox\.providers\.[a-z]+(\.|$)", name) or name in (
                "sandbox.providers.base",
            ), f"{path.name} imports {name}"


def test_providers_never_import_each_other():
    for provider in REGISTRY:
        for path in (PACKAGE / "providers" / provider).rglob("*.py"):
            for name in _imports(path):
                match = re.match(r"sandbox\.providers\.([a-z]+)", name)
                assert not match or match.group(1) in (provider, "base"), (
                    f"{provider}/{path.name} imports {name}"
                )


SEAMS = {
    r"\bdatetime\.now\(|\bdatetime\.utcnow\(|\btime\.time\(": {"clock.py"},
    r"\buuid\d?\(|\bimport uuid\b": set(),
    r"^import random|^from random import": {"ids.py"},
}


def test_time_randomness_and_ids_come_from_their_seams():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        for pattern, allowed in SEAMS.items():
            if re.search(pattern, text, re.MULTILINE):
                assert path.name in allowed, f"{path.relative_to(PACKAGE)} uses {pattern}"


def test_every_module_opens_with_a_docstring():
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        assert ast.get_docstring(tree), f"{path.relative_to(PACKAGE)} has no module docstring"
