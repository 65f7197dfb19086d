"""Reading scenarios: YAML → a validated `Scenario`, with errors that carry line numbers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator

SCHEMA_PATH = Path(__file__).with_name("scenario.schema.json")
CONTROL = "_sandbox"  # steps name the control API as their provider to call it


class ScenarioError(ValueError):
    """A scenario that cannot be loaded; `problems` are `source:line: message` strings."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class ScenarioTooLarge(ScenarioError):
    """A scenario document over the size limit (answered with 413)."""


@dataclass(frozen=True)
class Limits:
    """How much a scenario document may cost to read (the defaults of `SandboxConfig`)."""

    max_bytes: int = 4_000_000
    max_alias_nodes: int = 100_000  # nodes aliases may add when expanded

    @classmethod
    def of(cls, config: Any) -> "Limits":
        """The limits a sandbox configuration sets."""
        return cls(config.scenario_max_bytes, config.scenario_max_alias_nodes)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario document."""

    name: str
    doc: dict[str, Any]
    source: str = "<scenario>"
    text: str = field(default="", compare=False)

    @property
    def description(self) -> str:
        """What the scenario simulates."""
        return self.doc.get("description", "")

    @property
    def provider(self) -> str | None:
        """The default provider of its fixtures, rules and steps."""
        return self.doc.get("provider")

    @property
    def digest(self) -> str:
        """Identity of the content, to recognise the same scenario loaded again."""
        canonical = json.dumps(self.doc, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def section(self, name: str) -> list[dict[str, Any]]:
        """One of fixtures, lifecycle, faults, steps (empty when absent)."""
        return list(self.doc.get(name) or [])


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The JSON Schema of the scenario format (shipped as scenario.schema.json)."""
    return json.loads(SCHEMA_PATH.read_text())


def _line_of(root: yaml.Node | None, path: list[Any]) -> int | None:
    """1-based line of the YAML node at a JSON path (the deepest one that exists)."""
    node = root
    line = None if node is None else node.start_mark.line + 1
    for part in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _where(error: Any) -> str:
    path = "/".join(str(p) for p in error.absolute_path)
    return f" (at {path})" if path else ""


def parse(text: str, source: str = "<scenario>", limits: Limits = Limits()) -> Scenario:
    """Parses and validates scenario YAML (or JSON) text within `limits`; raises
    ScenarioError (ScenarioTooLarge over the size limit). CPU-bound: servers call it off
    their event loop."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise ScenarioTooLarge(
            [
                f"{source}: the scenario is {size:,} bytes; at most {limits.max_bytes:,} "
                "are accepted (scenario_max_bytes)"
            ]
        )
    try:
        root = yaml.compose(text, Loader=_DepthLimitedLoader)
        _check_aliases(root, limits.max_alias_nodes, source)
        doc = _construct(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([f"{source}{line}: not valid YAML: {problem}"]) from None
    except RecursionError:
        raise ScenarioError([f"{source}: the scenario is nested too deeply"]) from None
    return from_dict(doc, source, root, text)


MAX_DEPTH = 64  # nested mappings and sequences; real scenarios use under ten


class _DepthLimitedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing nesting deeper than MAX_DEPTH while it composes
    (its composer recurses: deep input would be slow and end in RecursionError)."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.YAMLError(f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_aliases(root: yaml.Node | None, budget: int, source: str) -> None:
    """Refuses a document whose aliases would expand to more than `budget` extra nodes
    (the "billion laughs": a few hundred bytes that construct into gigabytes), counting the
    composed graph once per node instead of expanding it."""
    if root is None:
        return
    sizes: dict[int, int] = {}  # id(node) → nodes in its expansion
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            line = node.start_mark.line + 1
            raise ScenarioError([f"{source}:{line}: an alias refers to a node that contains it"])
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    added = sizes[id(root)] - len(sizes)
    if added > budget:
        raise ScenarioError(
            [
                f"{source}: aliases expand the scenario by {added:,} nodes; at most "
                f"{budget:,} are allowed (scenario_max_alias_nodes): write shared parts out "
                "or use fewer aliases"
            ]
        )


def _construct(root: yaml.Node | None) -> Any:
    if root is None:
        return None
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(root)
    finally:
        loader.dispose()


def from_dict(
    doc: Any, source: str = "<scenario>", root: yaml.Node | None = None, text: str = ""
) -> Scenario:
    """Validates an already parsed scenario document; raises ScenarioError."""
    if not isinstance(doc, dict):
        raise ScenarioError([f"{source}:1: a scenario is a mapping with at least a name"])
    try:
        json.dumps(doc, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        raise ScenarioError(
            [f"{source}: the scenario has a lone UTF-16 surrogate (such as \\ud800) in a string"]
        ) from None
    problems = []
    for error in sorted(
        Draft7Validator(schema()).iter_errors(doc), key=lambda e: list(e.absolute_path)
    ):
        line = _line_of(root, list(error.absolute_path))
        at = f":{line}" if line is not None else ""
        problems.append(f"{source}{at}: {_message(error)}{_where(error)}")
    problems += [f"{source}: {p}" for p in _semantic_problems(doc)] if not problems else []
    if problems:
        raise ScenarioError(problems)
    return Scenario(name=doc["name"], doc=doc, source=source, text=text)


def _message(error: Any) -> str:
    if str(error.schema.get("description", "")).startswith("Seconds as a number"):
        return f"{error.instance!r} is not a duration: use seconds, or e.g. 500ms, 30s, 5m, 4m59s"
    if error.validator in ("oneOf", "anyOf") and error.context:
        # "is not valid under any of the given schemas" helps nobody: name the options.
        needed = sorted({str(e.message) for e in error.context if e.validator == "required"})
        if needed:
            return "needs one of: " + "; ".join(needed)
    return str(error.message)


def _semantic_problems(doc: dict[str, Any]) -> list[str]:
    """Checks JSON Schema cannot express (durations parse, a fault says when)."""
    problems = []
    for section in ("faults", "webhooks"):
        for index, rule in enumerate(doc.get(section) or []):
            triggers = [k for k in ("nth", "every", "first", "after") if k in rule]
            if len(triggers) > 1:
                problems.append(
                    f"{section}/{index}: use one of nth, every, first, after, not {triggers}"
                )
    return problems


def load(path: str | Path, limits: Limits = Limits()) -> Scenario:
    """Reads and validates a scenario file."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read: {exc.strerror}"]) from None
    return parse(text, str(path), limits)
