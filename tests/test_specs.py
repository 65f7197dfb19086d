"""Every spec validates, stays portable, and is wired to a handler for each operation."""

from __future__ import annotations

import re

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from sandbox.app import handler_resolver
from sandbox.cli import main
from sandbox.control import handlers as control_handlers
from sandbox.providers import REGISTRY, load_providers
from sandbox.resources import specs_dir

SPECS = sorted(specs_dir().glob("*.yaml"))
METHODS = {"get", "post", "put", "patch", "delete"}


def _operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_there_is_a_spec_per_provider_and_the_control_api():
    assert {p.stem for p in SPECS} == {*REGISTRY, "sandbox"}


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_spec_validates(path):
    spec, _ = read_from_filename(str(path))
    validate(spec)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_spec_carries_no_python_paths(path):
    text = path.read_text()
    assert not re.search(r"x-[A-Za-z]*(InfoFunc|Func|router-controller)", text)
    for _, _, operation in _operations(yaml.safe_load(text)):
        assert re.fullmatch(r"[a-z_][a-z0-9_]*", operation["operationId"]), operation["operationId"]


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_operation_has_a_handler(path):
    spec = yaml.safe_load(path.read_text())
    module = control_handlers if path.stem == "sandbox" else load_providers()[path.stem].handlers
    resolver = handler_resolver(module)
    for _, _, operation in _operations(spec):
        assert callable(resolver.function_resolver(operation["operationId"]))


def test_a_missing_handler_fails_at_start_up():
    with pytest.raises(RuntimeError, match="no handler for operationId 'nope'"):
        handler_resolver(control_handlers).function_resolver("nope")


def test_specs_check_command_passes(capsys):
    assert main(["specs", "check"]) == 0
    out = capsys.readouterr().out
    assert all(f"ok   {p.name}" in out for p in SPECS)


def test_specs_check_command_fails_on_a_broken_spec(tmp_path, monkeypatch, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.0.3\ninfo: {title: x}\npaths: {}\n")  # no version
    monkeypatch.setattr("sandbox.resources.specs_dir", lambda: tmp_path)
    assert main(["specs", "check"]) == 1
    assert "FAIL broken.yaml" in capsys.readouterr().err


def test_specs_coverage_lists_every_operation(capsys):
    assert main(["specs", "coverage"]) == 0
    out = capsys.readouterr().out
    for path in SPECS:
        for _, _, operation in _operations(yaml.safe_load(path.read_text())):
            assert f"| {operation['operationId']} | yes |" in out
    assert "| create_upi_collect | yes | fast path |" in out
