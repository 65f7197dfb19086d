"""Human-readable contract reports: a per-operation summary, findings with a reproducing
curl line, and the drift from the spec."""

from __future__ import annotations

from typing import Callable

from sandbox.contract.runner import ContractResult

Write = Callable[[str], None]


def _indent(text: str, pad: str = "      ") -> str:
    return "\n".join(pad + line if line else line for line in text.strip().splitlines())


def print_report(result: ContractResult, write: Write = print) -> None:
    """Writes the summary, then every finding, then the drift by operation."""
    write("")
    write(f"Contract run against {result.target} ({result.stopped})")
    width = max((len(f"{op.api} {op.operation}") for op in result.operations.values()), default=20)
    for op in result.operations.values():
        name = f"{op.api} {op.operation}".ljust(width)
        if op.requests == 0:
            write(f"  SKIP  {name}  {op.skipped or 'no requests generated'}")
            continue
        verdict = "ok  " if op.ok else "FAIL"
        detail = f"  {len(op.findings)} finding(s)" if op.findings else ""
        write(f"  {verdict}  {name}  {op.requests:>5} requests{detail}")

    findings = result.findings
    if findings:
        write("")
        write("Findings")
        for number, finding in enumerate(findings, 1):
            write(
                f"  {number}. {finding.api} {finding.operation}: {finding.title} [{finding.check}]"
            )
            write(_indent(finding.message))
            write("      Reproduce with:")
            write(_indent(finding.curl, "        "))

    drifted = [op for op in result.operations.values() if any(f.drift for f in op.findings)]
    if drifted:
        write("")
        write("Drift from the spec")
        for op in drifted:
            write(f"  {op.api} {op.operation}")
            for line in dict.fromkeys(f.drift for f in op.findings if f.drift):
                write(f"    - {line}")

    if result.errors:
        write("")
        write("Errors")
        for error in result.errors:
            write(_indent(error, "  "))

    failed = sum(not op.ok for op in result.operations.values())
    write("")
    write(
        f"{len(result.operations)} operations, {failed} failing, {len(findings)} finding(s), "
        f"{len(result.errors)} error(s)"
    )
