"""Builds the ASGI app: one Connexion API per provider spec at `/<provider>`, the control
API at `/_sandbox`, Swagger UI for each, and the providers' HTML pages (Flask)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import re
from pathlib import Path
from types import ModuleType
from typing import Any, AsyncIterator, Callable

import connexion
import yaml
from a2wsgi import WSGIMiddleware
from connexion.exceptions import ProblemException
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from connexion.spec import Specification
from starlette.exceptions import HTTPException

from sandbox import pages
from sandbox.config import SandboxConfig
from sandbox.context import bind_background, unbind
from sandbox.control import handlers as control_handlers
from sandbox.errors import ApiError, make_error_handler
from sandbox.fastpath import FastPath, compile_operations
from sandbox.faults import FaultMiddleware
from sandbox.journal import SandboxASGI
from sandbox.lifecycle import LifecycleError
from sandbox.resources import spec_path
from sandbox.runtime import Runtime
from sandbox.security import security_map
from sandbox.validation import VALIDATORS, ContentTypes
from sandbox.wayfinding import Wayfinding
from sandbox.wirejson import JSONIFIER

log = logging.getLogger("paysandbox")
# Connexion warns on every call to an operation that accepts several content types.
logging.getLogger("connexion.operations.openapi3").setLevel(logging.ERROR)

CONTROL_PREFIX = "/_sandbox"


def handler_resolver(module: ModuleType) -> Resolver:
    """Maps an operationId to the function of that name in `module`; a missing handler
    fails here, at start-up, not at the first request."""

    def resolve(operation_id: str) -> Callable[..., Any]:
        try:
            return getattr(module, operation_id)
        except AttributeError:
            raise RuntimeError(
                f"{module.__name__} has no handler for operationId {operation_id!r}"
            ) from None

    return Resolver(function_resolver=resolve)


_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class SpecIndex:
    """What the error handler and the middleware need to know about the specs: the methods
    documented for a path, each operation's path template and first request media type."""

    def __init__(self, specs: dict[str, Path]) -> None:
        self._methods: list[tuple[re.Pattern[str], list[str]]] = []
        self.templates: dict[str, dict[str, str]] = {}  # mount name → operationId → template
        self.media_types: dict[str, dict[str, str]] = {}  # mount name → operationId → type
        self.specs: dict[str, dict[str, Any]] = {}  # mount name → the parsed spec
        # (mount, pattern of a path template without the mount, its methods)
        self.routes: list[tuple[str, re.Pattern[str], list[str]]] = []
        for mount, path in specs.items():
            spec = yaml.safe_load(path.read_text())
            self.specs[mount.lstrip("/")] = spec
            templates = self.templates.setdefault(mount.lstrip("/"), {})
            media_types = self.media_types.setdefault(mount.lstrip("/"), {})
            for template, item in spec.get("paths", {}).items():
                pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
                methods = [m.upper() for m in _METHODS if m in item]
                if "GET" in methods:
                    methods.append("HEAD")
                self._methods.append((re.compile(re.escape(mount) + pattern + "$"), methods))
                self.routes.append((mount, re.compile(pattern + "$"), methods))
                for method in _METHODS:
                    if method in item:
                        operation = item[method]
                        templates[operation["operationId"]] = template
                        content = _request_content(spec, operation)
                        if content:
                            media_types[operation["operationId"]] = next(iter(content))

    def documented_methods(self, path: str) -> list[str]:
        """Methods the spec documents for a concrete request path (for `Allow`)."""
        for pattern, methods in self._methods:
            if pattern.match(path):
                return methods
        return []

    def is_operation(self, path: str) -> bool:
        """Whether a concrete request path is one the specs document."""
        return any(pattern.match(path) for pattern, _ in self._methods)


def _request_content(spec: dict, operation: dict) -> dict[str, Any]:
    body = operation.get("requestBody") or {}
    ref = body.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/requestBodies/"):
        body = spec.get("components", {}).get("requestBodies", {}).get(ref.rsplit("/", 1)[1], {})
    return body.get("content") or {}


def _checked_by_guard(*_credentials: Any, **_options: Any) -> dict[str, str]:
    return {"sub": "control"}


def _lifespan(runtime: Runtime) -> Callable[[Any], Any]:
    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        task = asyncio.create_task(_ticker(runtime))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await runtime.aclose()

    return lifespan


async def _ticker(runtime: Runtime) -> None:
    # While time runs, transitions fall due and webhooks go out without any request arriving;
    # each round is bound like a request (the served URL is known only once serving starts).
    while True:
        await asyncio.sleep(runtime.config.tick_seconds)
        tokens = bind_background(runtime)
        try:
            runtime.tick()
            runtime.store.write_journal_to_file()
            await runtime.deliver_webhooks()
        except Exception:  # a failed tick must not stop time for good
            log.exception("firing due transitions or delivering webhooks failed")
        finally:
            unbind(tokens)


def build_app(runtime: Runtime) -> SandboxASGI:
    """The complete sandbox application for `runtime`."""
    api = connexion.AsyncApp(
        __name__,
        lifespan=_lifespan(runtime),
        # Swagger UI keeps what was entered in Authorize across reloads (the control token,
        # a provider's credentials); provider pages also start filled in (wayfinding.py).
        swagger_ui_options=SwaggerUIOptions(
            swagger_ui=True, swagger_ui_config={"persistAuthorization": True}
        ),
        validate_responses=runtime.config.validate_responses,
        validator_map=VALIDATORS,
        jsonifier=JSONIFIER,
    )
    for name, provider in runtime.providers.items():
        api.add_api(
            provider.spec_file,
            base_path=f"/{name}",
            name=name,
            resolver=handler_resolver(provider.handlers),
            security_map=security_map(provider.authenticate),
        )
    api.add_api(
        spec_path("sandbox"),
        base_path=CONTROL_PREFIX,
        name="_sandbox",
        resolver=handler_resolver(control_handlers),
        # The control token is checked before routing (sandbox/guard.py), for every path;
        # the spec declares it so Swagger UI can send it.
        security_map=security_map(lambda _scheme: _checked_by_guard),
    )
    mounts = {f"/{name}": p.spec_file for name, p in runtime.providers.items()}
    mounts[CONTROL_PREFIX] = spec_path("sandbox")
    index = SpecIndex(mounts)
    api.add_middleware(
        FaultMiddleware, position=MiddlewarePosition.BEFORE_VALIDATION, templates=index.templates
    )
    api.add_middleware(
        ContentTypes, position=MiddlewarePosition.BEFORE_VALIDATION, media_types=index.media_types
    )
    wayfinding = Wayfinding(runtime, index)
    handle = make_error_handler(runtime.providers, index.documented_methods, wayfinding.not_found)
    for exc in (ApiError, LifecycleError, ProblemException, HTTPException, Exception):
        api.add_error_handler(exc, handle)
    html = WSGIMiddleware(pages.build_pages(runtime))
    fast = None
    if runtime.config.fast_path:
        operations = [
            op
            for name, provider in runtime.providers.items()
            for op in compile_operations(
                provider, Specification.load(provider.spec_file), runtime.config.validate_responses
            )
        ]
        fast = FastPath(operations, index.templates, runtime.config.validate_responses)
    return SandboxASGI(
        runtime, api, html, fast, is_operation=index.is_operation, wayfinding=wayfinding
    )


CONFIG_VARIABLE = "PAYSANDBOX_CONFIG"


WORKER_HEADER = "x-paysandbox-worker"


def freeze_startup_objects() -> None:
    """Puts everything built at start-up (specs, validators, seeded state) beyond the cyclic
    garbage collector: a full collection would otherwise walk it all again every ten
    thousand requests or so (34 ms a time, measured in process). For a serving process
    only: what is frozen is never collected, so an app built and dropped (as tests do)
    must not be."""
    gc.collect()
    gc.freeze()


def worker_app() -> Callable[..., Any]:
    """The app of one worker process of `paysandbox serve --workers N` (a uvicorn factory):
    the configuration comes from the parent process through the environment. Responses
    name the worker's process id in `x-paysandbox-worker`, so one can tell who answered."""
    config = SandboxConfig(**json.loads(os.environ[CONFIG_VARIABLE]))
    app = build_app(Runtime(config))
    freeze_startup_objects()
    worker = str(os.getpid()).encode()

    async def tagged(scope: Any, receive: Any, send: Any) -> None:
        async def send_tagged(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (WORKER_HEADER.encode(), worker)]
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_tagged if scope["type"] == "http" else send)

    return tagged
