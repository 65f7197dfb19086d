"""The `paysandbox` command."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from dataclasses import replace
from typing import Any, Callable, NoReturn, Sequence

from sandbox.config import (
    DEFAULT_SEED,
    LOG_CHOICES,
    LOG_FORMATS,
    TOKEN_VARIABLE,
    SandboxConfig,
)

# `serve` options that are configuration keys (the option's dest is the key).
SERVE_KEYS = (
    "host",
    "port",
    "db",
    "seed",
    "scenarios",
    "clock_start",
    "clock_frozen",
    "public_url",
    "validate_responses",
    "workers",
    "allowed_hosts",
    "max_body_bytes",
    "max_header_bytes",
    "banner",
    "log",
    "log_format",
)


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"{port} is out of range: use 1-65535, or 0 for any free port"
        )
    return port


def _serve(args: argparse.Namespace) -> int:
    from sandbox.banner import banner
    from sandbox.guard import with_control_token
    from sandbox.preflight import PreflightError, check_database, claim_port
    from sandbox.server import serve

    # Every serve option is named after its configuration key (see `config --example`).
    options = {key: getattr(args, key) for key in SERVE_KEYS}
    options["control_token"] = args.control_token or os.environ.get(TOKEN_VARIABLE) or None
    try:
        if args.config:
            config = SandboxConfig.from_file(args.config, **options)
        else:
            config = SandboxConfig(**{k: v for k, v in options.items() if v is not None})
        check_database(config.db)
        config = replace(config, port=claim_port(config.host, config.port))
        config = with_control_token(config, announce=False)
        if config.banner:
            print(banner(config), flush=True)
        serve(config)
    except (ValueError, OSError, PreflightError, sqlite3.Error) as exc:
        # a bad config or scenario file, a taken port, an unusable database
        print(f"paysandbox serve: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _config(args: argparse.Namespace) -> int:
    from sandbox.config import example

    if args.check:
        try:
            SandboxConfig.from_file(args.check)
        except (ValueError, OSError) as exc:
            print(f"paysandbox config: {_one_line(exc)}", file=sys.stderr)
            return 2
        print(f"ok   {args.check}")
        return 0
    print(example(), end="")
    return 0


def _credentials(args: argparse.Namespace) -> int:
    from sandbox.providers import load_providers

    tenants = {
        name: [t.to_dict() for t in provider.default_tenants]
        for name, provider in load_providers().items()
    }
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


def _specs_coverage(_args: argparse.Namespace) -> int:
    from connexion.spec import Specification

    from sandbox.control import handlers as control_handlers
    from sandbox.fastpath import compile_operations
    from sandbox.providers import load_providers
    from sandbox.resources import spec_path

    print("| spec | method | path | operationId | handler | served by |")
    print("|---|---|---|---|---|---|")
    missing = 0
    apis = {**{name: p for name, p in load_providers().items()}, "sandbox": None}
    for name, provider in apis.items():
        spec = Specification.load(spec_path(name))
        module = control_handlers if provider is None else provider.handlers
        fast = set()
        if provider is not None:
            fast = {op.operation_id for op in compile_operations(provider, spec, False)}
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                if method not in ("get", "post", "put", "patch", "delete"):
                    continue
                op_id = operation["operationId"]
                found = hasattr(module, op_id)
                missing += not found
                served = "fast path" if op_id in fast else "Connexion"
                print(
                    f"| {name} | {method.upper()} | `{path}` | {op_id} | "
                    f"{'yes' if found else 'MISSING'} | {served} |"
                )
    return 1 if missing else 0


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


def _csv(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _header(value: str) -> tuple[str, str]:
    name, colon, content = value.partition(":")
    if not colon or not name.strip():
        raise argparse.ArgumentTypeError(f"expected 'Name: value', got {value!r}")
    return name.strip(), content.strip()


def _contract(args: argparse.Namespace) -> int:
    from sandbox.contract.report import print_report
    from sandbox.contract.runner import PHASES, ContractOptions, run_contract

    phases = args.phases or list(PHASES)
    if args.no_stateful:
        phases = [p for p in phases if p != "stateful"]
    options = ContractOptions(
        apis=args.apis,
        base_url=args.base_url,
        auth=args.auth,
        headers=dict(args.header or []),
        max_examples=args.max_examples,
        seed=args.seed,
        max_time=args.max_time,
        rate_limit=args.rate_limit,
        read_only=args.read_only,
        checks=args.checks,
        exclude_checks=args.exclude_checks or [],
        phases=phases,
        request_timeout=args.request_timeout,
        junit=args.junit,
    )
    try:
        result = run_contract(options, progress=lambda line: print(line, flush=True))
    except ValueError as exc:
        print(f"paysandbox contract: {exc}", file=sys.stderr)
        return 2
    print_report(result)
    if args.junit:
        print(f"JUnit report: {args.junit}")
    return 0 if result.ok else 1


def _scenario_validate(args: argparse.Namespace) -> int:
    from sandbox.runtime import Runtime
    from sandbox.scenario.model import ScenarioError, load

    failed = 0
    for path in args.files:
        try:
            scenario = load(path)
            # A dry run in a throwaway sandbox catches what the schema cannot: unknown
            # providers, machines, transitions, tenants and unbuildable fixtures.
            runtime = Runtime(SandboxConfig(clock_start="2024-01-15T10:00:00Z", clock_frozen=True))
            try:
                runtime.load_scenario(scenario)
            finally:
                runtime.close()
        except ScenarioError as exc:
            failed += 1
            for problem in exc.problems:
                print(problem, file=sys.stderr)
        else:
            print(f"ok   {path} ({scenario.name})")
    return 1 if failed else 0


def _scenario_run(args: argparse.Namespace) -> int:
    from sandbox.scenario.model import ScenarioError, load
    from sandbox.scenario.steps import run_scenario, write_junit

    if args.base_url:
        from sandbox.client import ClientError, SandboxClient

        try:  # one line, not a failure per file, when the sandbox is not there at all
            with SandboxClient(args.base_url, url_option="--base-url") as client:
                client.call("GET", "/_sandbox/clock")
        except ClientError as exc:
            print(f"paysandbox scenario run: {exc}", file=sys.stderr)
            return 2
    runs = []
    for path in args.files:
        try:
            scenario = load(path)
        except ScenarioError as exc:
            print("\n".join(exc.problems), file=sys.stderr)
            return 2
        run = run_scenario(scenario, base_url=args.base_url, reset=args.reset)
        runs.append(run)
        steps = len(run.steps)
        if run.passed:
            print(f"PASS {run.name} ({steps} steps, {run.seconds:.2f}s)")
        else:
            print(f"FAIL {run.name} ({path})")
            for line in (run.failure or "").splitlines():
                print(f"  {line}")
    if args.junit:
        write_junit(runs, args.junit)
    failed = sum(not run.passed for run in runs)
    print(f"{len(runs) - failed} passed, {failed} failed")
    return 1 if failed else 0


def _client_verb(verb: Callable[[Any, argparse.Namespace], int | None]) -> Callable[..., int]:
    """Runs a client verb against the sandbox at --url, turning its failures into one line."""

    def run(args: argparse.Namespace) -> int:
        from sandbox.client import ClientError, SandboxClient

        try:
            with SandboxClient(args.url, args.control_token) as client:
                return verb(client, args) or 0
        except ClientError as exc:
            print(f"paysandbox {args.command}: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 0

    return run


def _echo(line: str) -> None:
    print(line, flush=True)


def _clock(client: Any, args: argparse.Namespace) -> None:
    from sandbox import client as verbs

    verbs.clock(client, args.action, args.duration, _echo)


def _reset(client: Any, _args: argparse.Namespace) -> None:
    from sandbox import client as verbs

    verbs.reset(client, _echo)


def _requests(client: Any, args: argparse.Namespace) -> None:
    from sandbox import client as verbs

    query = verbs.JournalQuery(args.provider, args.method, args.path, args.status, args.limit)
    verbs.requests(client, query, _echo, args.json, args.tail, args.interval)


def _trigger(client: Any, args: argparse.Namespace) -> None:
    from sandbox import client as verbs

    verbs.trigger(client, args.provider, args.event, args.tenant, _echo)


def _simulate(client: Any, args: argparse.Namespace) -> int:
    from sandbox.client import ClientError

    response = client.send(
        "POST",
        "/_sandbox/simulate",
        json={"provider": args.provider, "resource_id": args.resource, "event": args.event},
    )
    try:
        shown = json.dumps(response.json(), indent=2)
    except ValueError:
        raise ClientError(f"the sandbox answered {response.status_code}: {response.text[:200]}")
    print(shown)
    return 0 if response.status_code == 200 else 1


def _listen(args: argparse.Namespace) -> int:
    import signal

    import uvicorn

    from sandbox.client import ClientError, SandboxClient, register, restore
    from sandbox.listener import default_secrets, listener_app
    from sandbox.preflight import PreflightError, claim_port

    secrets = [("", "--secret", secret) for secret in args.secret or []] or default_secrets()
    registered = []
    client = SandboxClient(args.url, args.control_token)
    try:
        port = claim_port(args.host, args.port)
        url = f"http://{args.host}:{port}/"
        for provider, tenant in args.register or []:
            registered.append(register(client, provider, tenant, url))
            print(f"{provider}:{tenant} now sends its webhooks to {url}")
        print(f"listening on {url} (answering {args.status}); Ctrl-C to stop", flush=True)
        # uvicorn turns SIGINT and SIGTERM into a clean shutdown; before it runs (and
        # after), SIGTERM must still reach the restoring `finally` below.
        signal.signal(signal.SIGTERM, _interrupt)
        uvicorn.run(
            listener_app(secrets, lambda line: print(line, flush=True), args.status),
            host=args.host,
            port=port,
            log_level="warning",
        )
    except (ClientError, PreflightError) as exc:
        print(f"paysandbox webhooks listen: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, _interrupt)
        for previous in reversed(registered):
            try:
                print(restore(client, previous), flush=True)
            except ClientError as exc:
                print(f"paysandbox webhooks listen: could not restore: {exc}", file=sys.stderr)
        client.close()
    return 0


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def _target(value: str) -> tuple[str, str]:
    from sandbox.providers import REGISTRY

    provider, colon, tenant = value.partition(":")
    if not colon or not provider or not tenant:
        raise argparse.ArgumentTypeError(
            f"expected PROVIDER:TENANT, e.g. zwitch:acc_1234567890, got {value!r}"
        )
    if provider not in REGISTRY:
        raise argparse.ArgumentTypeError(
            f"unknown provider {provider!r}; known: {', '.join(REGISTRY)}"
        )
    return provider, tenant


def _provider_name(value: str) -> str:
    from sandbox.providers import REGISTRY

    if value not in REGISTRY:
        raise argparse.ArgumentTypeError(
            f"unknown provider {value!r}; known: {', '.join(REGISTRY)}"
        )
    return value


def _interval(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0.1 <= seconds <= 60:
        raise argparse.ArgumentTypeError("poll between every 0.1 and 60 seconds")
    return seconds


def _client_options(command: argparse.ArgumentParser, *url_aliases: str) -> None:
    """--url and --control-token, shared by every verb that talks to a running sandbox."""
    from sandbox.client import URL_VARIABLE, default_url

    command.add_argument(
        "--url",
        *url_aliases,
        dest="url",
        default=default_url(),
        help=f"the running sandbox (${URL_VARIABLE})",
    )
    command.add_argument(
        "--control-token",
        default=None,
        help=f"the sandbox's control token (default: ${TOKEN_VARIABLE})",
    )


class _DefaultsShown(argparse.ArgumentDefaultsHelpFormatter):
    """Shows defaults in --help, except where there is none to show."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False) or isinstance(action.default, list):
            return action.help
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line that say where help is."""

    def error(self, message: str) -> "NoReturn":
        """Prints `prog: message (see prog --help)` and exits with status 2."""
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("paysandbox")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    top = Parser(prog="paysandbox", description=__doc__)
    top.add_argument("--version", action="version", version=f"paysandbox {_version()}")
    commands = top.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve",
        help="run the sandbox server",
        description="Runs the sandbox. Every option is also a key of the --config file "
        "(same name, dashes or underscores); options win over the file.",
    )
    serve.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=_port, default=None, help="port; 0 picks a free one (default 8000)"
    )
    serve.add_argument(
        "--db",
        default=None,
        metavar="FILE",
        help="SQLite file; state survives restarts (default: in memory)",
    )
    serve.add_argument(
        "--seed",
        type=int,
        default=None,
        help=f"seed for ids and fake data (default {DEFAULT_SEED})",
    )
    serve.add_argument(
        "--scenario",
        dest="scenarios",
        action="append",
        metavar="FILE",
        help="load a scenario at start (repeatable)",
    )
    serve.add_argument(
        "--clock-start",
        default=None,
        metavar="ISO",
        help="sandbox time at start, e.g. 2024-01-15T10:00:00Z (default: real time)",
    )
    serve.add_argument(
        "--clock-frozen",
        "--frozen",
        dest="clock_frozen",
        action="store_true",
        default=None,
        help="time stands still until advanced through the control API",
    )
    serve.add_argument(
        "--public-url", default=None, help="base URL used in links the sandbox hands out"
    )
    serve.add_argument(
        "--validate-responses",
        action="store_true",
        default=None,
        help="answer 500 if a response ever leaves its spec (for CI)",
    )
    serve.add_argument(
        "--workers", type=int, default=None, help="processes sharing one database file (default 1)"
    )
    serve.add_argument(
        "--config",
        default=None,
        metavar="FILE",
        help="YAML configuration (`paysandbox config --example` shows every key)",
    )
    serve.add_argument(
        "--control-token",
        default=None,
        help=f"token every control call must send (else ${TOKEN_VARIABLE}; generated and "
        "printed when --host is not loopback)",
    )
    serve.add_argument(
        "--allowed-host",
        dest="allowed_hosts",
        action="append",
        metavar="NAME",
        help="a Host name to answer besides loopback and --public-url (repeatable)",
    )
    serve.add_argument(
        "--max-body-bytes", type=int, default=None, help="larger request bodies get 413 (4 MiB)"
    )
    serve.add_argument(
        "--max-header-bytes",
        type=int,
        default=None,
        help="larger request lines + headers get 431 (32 KiB)",
    )
    serve.add_argument(
        "--no-banner",
        "--quiet",
        dest="banner",
        action="store_false",
        default=None,
        help="do not print where everything is at start",
    )
    serve.add_argument(
        "--log",
        action="append",
        choices=LOG_CHOICES,
        default=None,
        help="print one line per request exchange (time, method, path, status, ms, provider, "
        "tenant)",
    )
    serve.add_argument(
        "--log-format", choices=LOG_FORMATS, default=None, help="text (default) or json lines"
    )
    serve.set_defaults(run=_serve)

    contract = commands.add_parser(
        "contract",
        help="fuzz a spec against the sandbox or a real endpoint (Schemathesis)",
        description="Runs Schemathesis for the named APIs (default: all) against an in-process "
        "sandbox, or with --base-url against a real gateway; exits 1 when any check fails.",
    )
    contract.add_argument(
        "apis", nargs="*", metavar="API", help="provider names, or 'sandbox' for the control API"
    )
    contract.add_argument("--base-url", help="test this endpoint instead of the sandbox")
    contract.add_argument("--auth", help="Authorization header value (else PAYSANDBOX_<API>_AUTH)")
    contract.add_argument(
        "--header",
        action="append",
        type=_header,
        metavar="'NAME: VALUE'",
        help="extra request header (repeatable)",
    )
    contract.add_argument(
        "--max-examples",
        type=int,
        default=25,
        help="generated cases per operation and phase (default 25)",
    )
    contract.add_argument("--seed", type=int, default=20240115, help="generation seed")
    contract.add_argument(
        "--max-time",
        type=int,
        metavar="SECONDS",
        help="time budget: keep fuzzing until it is spent (without it, "
        "the run ends once --max-examples are done)",
    )
    contract.add_argument("--rate-limit", metavar="N/UNIT", help="e.g. 5/s or 100/m")
    contract.add_argument(
        "--read-only",
        action="store_true",
        help="only GET/HEAD/OPTIONS operations, no mutating checks",
    )
    contract.add_argument(
        "--checks", type=_csv, default=["all"], metavar="A,B", help="checks to run (default: all)"
    )
    contract.add_argument("--exclude-checks", type=_csv, metavar="A,B", help="checks to skip")
    contract.add_argument(
        "--phases",
        type=_csv,
        metavar="A,B",
        help="examples,coverage,fuzzing,stateful (default: all)",
    )
    contract.add_argument("--no-stateful", action="store_true", help="skip linked scenarios")
    contract.add_argument("--request-timeout", type=float, default=10.0, metavar="SECONDS")
    contract.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
    contract.set_defaults(run=_contract)

    scenario = commands.add_parser("scenario", help="validate or run YAML scenarios")
    scenario_commands = scenario.add_subparsers(dest="scenario_command", required=True)
    validate = scenario_commands.add_parser("validate", help="check files against the schema")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(run=_scenario_validate)
    run = scenario_commands.add_parser(
        "run", help="run scenario steps (in a fresh in-process sandbox by default)"
    )
    run.add_argument("files", nargs="+", metavar="FILE")
    run.add_argument("--base-url", help="run against this sandbox instead")
    run.add_argument("--reset", action="store_true", help="reset that sandbox first")
    run.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
    run.set_defaults(run=_scenario_run)

    defaults = _DefaultsShown
    clock = commands.add_parser(
        "clock",
        help="show, advance, freeze or resume a running sandbox's clock",
        formatter_class=defaults,
        description="Sandbox time of a running sandbox: `paysandbox clock` shows it, "
        "`advance 90s|2h|3d|1h30m` moves it forward (due transitions and webhook retries "
        "fire), `freeze` stops it, `resume` lets it run again.",
    )
    clock.add_argument(
        "action", nargs="?", default="show", choices=("show", "advance", "freeze", "resume")
    )
    clock.add_argument("duration", nargs="?", help="how far to advance, e.g. 90s, 2h, 3d")
    _client_options(clock)
    clock.set_defaults(run=_client_verb(_clock))

    reset = commands.add_parser(
        "reset",
        help="put a running sandbox back to its seeded start state",
        formatter_class=defaults,
    )
    _client_options(reset)
    reset.set_defaults(run=_client_verb(_reset))

    journal = commands.add_parser(
        "requests",
        help="the request journal of a running sandbox (--tail to follow)",
        formatter_class=defaults,
    )
    journal.add_argument("--provider", help="only this provider (or _sandbox)")
    journal.add_argument("--method", help="only this HTTP method")
    journal.add_argument("--path", help="only paths containing this")
    journal.add_argument("--status", type=int, help="only this status code")
    journal.add_argument("--limit", type=int, default=20, help="how many of the newest to show")
    journal.add_argument("--json", action="store_true", help="whole entries as JSON lines")
    journal.add_argument("--tail", action="store_true", help="keep printing new ones (Ctrl-C)")
    journal.add_argument(
        "--interval", type=_interval, default=1.0, metavar="SECONDS", help="--tail polls this often"
    )
    _client_options(journal)
    journal.set_defaults(run=_client_verb(_requests))

    trigger = commands.add_parser(
        "trigger",
        help="create a resource and drive it to a webhook event (like `stripe trigger`)",
        formatter_class=defaults,
        description="Creates what EVENT needs through the provider's API as the tenant, then "
        "takes the steps that emit it (API calls, simulated transitions). EVENT may be written "
        "in any case, with _ . or - between words. Events: "
        + "; ".join(
            f"{name}: {', '.join(p.triggers) if p.webhooks else 'none (it sends no webhooks)'}"
            for name, p in _providers().items()
        ),
    )
    trigger.add_argument("provider", type=_provider_name)
    trigger.add_argument("event", help="a webhook event, e.g. payment_captured")
    trigger.add_argument("--tenant", help="tenant id (default: the provider's first tenant)")
    _client_options(trigger)
    trigger.set_defaults(run=_client_verb(_trigger))

    simulate = commands.add_parser(
        "simulate", help="force a lifecycle event on a resource", formatter_class=defaults
    )
    simulate.add_argument("provider")
    simulate.add_argument("resource", help="resource id, e.g. pay_3b6aa45389bf0b24")
    simulate.add_argument("event", help="transition name, e.g. complete")
    _client_options(simulate, "--base-url")
    simulate.set_defaults(run=_client_verb(_simulate))

    webhooks = commands.add_parser("webhooks", help="work with webhooks")
    webhooks_commands = webhooks.add_subparsers(dest="webhooks_command", required=True)
    listen = webhooks_commands.add_parser(
        "listen",
        help="receive, verify and pretty-print webhook deliveries",
        formatter_class=defaults,
        description="Listens for webhooks and prints them with their signature check. With "
        "--register, points tenants' endpoints here and restores them on exit.",
    )
    listen.add_argument("--host", default="127.0.0.1")
    listen.add_argument("--port", type=_port, default=9000)
    listen.add_argument(
        "--secret",
        action="append",
        help="signing secret to verify with (default: every default tenant's)",
    )
    listen.add_argument(
        "--status", type=int, default=200, help="status to answer with (e.g. 503 to watch retries)"
    )
    listen.add_argument(
        "--register",
        action="append",
        type=_target,
        metavar="PROVIDER:TENANT",
        help="point this tenant's webhooks here until exit (repeatable)",
    )
    _client_options(listen, "--sandbox")
    listen.set_defaults(run=_listen)

    config = commands.add_parser(
        "config", help="show every configuration key, or check a configuration file"
    )
    config.add_argument(
        "--example", action="store_true", help="print a commented example with every key"
    )
    config.add_argument("--check", metavar="FILE", help="validate a configuration file")
    config.set_defaults(run=_config)

    credentials = commands.add_parser("credentials", help="print the default tenants")
    credentials.add_argument("--json", action="store_true", help="as JSON")
    credentials.set_defaults(run=_credentials)

    specs = commands.add_parser("specs", help="work with the OpenAPI specs")
    specs_commands = specs.add_subparsers(dest="specs_command", required=True)
    check = specs_commands.add_parser("check", help="validate every spec")
    check.set_defaults(run=_specs_check)
    coverage = specs_commands.add_parser(
        "coverage", help="every spec operation, its handler and which path serves it"
    )
    coverage.set_defaults(run=_specs_coverage)
    return top


def _providers() -> dict[str, Any]:
    from sandbox.providers import load_providers

    return load_providers()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `paysandbox`."""
    args = parser().parse_args(argv)
    return args.run(args)
