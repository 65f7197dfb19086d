"""The `paysandbox` command."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

from sandbox.config import DEFAULT_SEED, SandboxConfig


def _serve(args: argparse.Namespace) -> int:
    from sandbox.server import serve

    options = {
        "host": args.host, "port": args.port, "db": args.db, "seed": args.seed,
        "clock_start": args.clock_start, "clock_frozen": args.frozen or None,
        "scenarios": args.scenario or None, "public_url": args.public_url,
        "validate_responses": args.validate_responses or None,
    }
    if args.config:
        config = SandboxConfig.from_file(args.config, **options)
    else:
        config = SandboxConfig(**{k: v for k, v in options.items() if v is not None})
    serve(config)
    return 0


def _credentials(args: argparse.Namespace) -> int:
    from sandbox.providers import load_providers

    tenants = {name: [t.to_dict() for t in provider.default_tenants]
               for name, provider in load_providers().items()}
    if args.json:
        print(json.dumps(tenants, indent=2))
        return 0
    for name, entries in tenants.items():
        print(f"{name}:")
        for tenant in entries:
            print(f"  {tenant['id']} ({tenant['name']})")
            for key, value in tenant["credentials"].items():
                print(f"    {key}: {value}")
    return 0


def _specs_check(_args: argparse.Namespace) -> int:
    from openapi_spec_validator import validate
    from openapi_spec_validator.readers import read_from_filename

    from sandbox.resources import specs_dir

    failed = 0
    for path in sorted(specs_dir().glob("*.yaml")):
        try:
            spec, _ = read_from_filename(str(path))
            validate(spec)
        except Exception as exc:  # report every spec, not just the first bad one
            failed += 1
            print(f"FAIL {path.name}: {exc}", file=sys.stderr)
        else:
            print(f"ok   {path.name}")
    return 1 if failed else 0


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    top = argparse.ArgumentParser(prog="paysandbox", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the sandbox server")
    serve.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default 8000)")
    serve.add_argument("--db", default=None, help="SQLite file; state survives restarts")
    serve.add_argument("--seed", type=int, default=None,
                       help=f"seed for ids and fake data (default {DEFAULT_SEED})")
    serve.add_argument("--scenario", action="append", metavar="FILE",
                       help="load a scenario at start (repeatable)")
    serve.add_argument("--clock-start", default=None, metavar="ISO",
                       help="sandbox time at start, e.g. 2024-01-15T10:00:00Z")
    serve.add_argument("--frozen", action="store_true",
                       help="time stands still until advanced through the control API")
    serve.add_argument("--public-url", default=None,
                       help="base URL used in links the sandbox hands out")
    serve.add_argument("--validate-responses", action="store_true",
                       help="answer 500 if a response ever leaves its spec (for CI)")
    serve.add_argument("--config", default=None, metavar="FILE", help="YAML configuration")
    serve.set_defaults(run=_serve)

    credentials = commands.add_parser("credentials", help="print the default tenants")
    credentials.add_argument("--json", action="store_true", help="as JSON")
    credentials.set_defaults(run=_credentials)

    specs = commands.add_parser("specs", help="work with the OpenAPI specs")
    specs_commands = specs.add_subparsers(dest="specs_command", required=True)
    check = specs_commands.add_parser("check", help="validate every spec")
    check.set_defaults(run=_specs_check)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `paysandbox`."""
    args = parser().parse_args(argv)
    return args.run(args)
