"""Locates the specs and scenarios shipped with the package (wheel) or the repository."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_DIR = _PACKAGE_DIR.parent


def _data_dir(name: str) -> Path:
    # An installed wheel carries the folders under sandbox/_data (see pyproject.toml);
    # a checkout or an editable install reads them from the repository's top level.
    bundled = _PACKAGE_DIR / "_data" / name
    return bundled if bundled.is_dir() else _REPO_DIR / name


def specs_dir() -> Path:
    """Directory holding one OpenAPI file per provider plus `sandbox.yaml`."""
    return _data_dir("specs")


def scenarios_dir() -> Path:
    """Directory holding the shipped YAML scenarios, one folder per provider."""
    return _data_dir("scenarios")


def spec_path(name: str) -> Path:
    """Path of the spec for a provider (or `sandbox` for the control API)."""
    return specs_dir() / f"{name}.yaml"
