"""The seeded sweep of malformed requests (issue 10, "Done when"): cases generated from every
spec the sandbox serves — each registered provider and the control API, every operation — so
a provider added later is swept without touching this file. Every case must answer within a
bounded time, never 5xx, as JSON in its API's documented error shape (statuses and bodies of
documented operations checked against the spec by the conformance hook); afterwards the
test process (the in-process server) must not have grown by more than a bound, and the
sandbox must still answer normally.

Requests are sent over a raw socket: most of these are bytes no HTTP client would send."""

from __future__ import annotations

import gc
import http.client
import importlib
import json
import random
import re
import socket
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Iterator
from urllib.parse import quote

import httpx
import jsonschema
import pytest
import yaml

from sandbox.clientauth import decode_body
from sandbox.providers import REGISTRY
from sandbox.providers.base import ClientRequest
from sandbox.resources import spec_path
from sandbox.server import Sandbox, head_cutoff

SEED = 20240115
TIMEOUT = 10.0  # seconds a case may take; a hang is a failure
RSS_BOUND_MB = 60
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Answered by the HTTP server before the sandbox sees the request (README "Running it
# safely"): not HTTP/1.1 at all, or a head beyond what the server buffers.
SERVER_REFUSALS = {400, 431}


@dataclass(frozen=True)
class Operation:
    """One documented operation, with values that get a request past its parameters."""

    api: str  # URL prefix: a provider's name or "_sandbox"
    method: str
    template: str
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    media_types: tuple[str, ...]  # of the request body; empty when it takes none
    example: Any  # a documented body, or None
    values: dict[str, str] = field(hash=False, compare=False, default_factory=dict)

    def path(self, **override: str) -> str:
        """The concrete path under the API prefix (raw, already percent-encoded)."""
        values = {**self.values, **override}
        return re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], self.template)


@dataclass(frozen=True)
class Case:
    """One malformed request."""

    name: str
    op: Operation
    method: str
    target: bytes  # the request target under the API prefix (path and query)
    headers: tuple[tuple[bytes, bytes], ...] = ()
    body: bytes | None = None
    content_type: bytes | None = None
    host: bytes | None = b"127.0.0.1"
    # What the HTTP server itself may refuse (a request that is not HTTP/1.1, a head beyond
    # the server's cut-off): its plain-text 400/431 is the documented answer then.
    protocol: bool = False
    signed_body: Any = None  # the decoded body the client auth hook sees


# -- the operations -------------------------------------------------------------------


def _apis() -> list[str]:
    return [*REGISTRY, "sandbox"]


def _spec(api: str) -> dict:
    return yaml.safe_load(spec_path(api).read_text())


def _resolve(spec: dict, node: Any) -> Any:
    """`node` with a top-level `$ref` (local) followed."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _operations(sb: Sandbox) -> list[Operation]:
    rt = sb.runtime
    assert rt is not None
    first_provider = next(iter(rt.providers))
    control_values = {
        "provider": first_provider,
        "tenant": rt.tenants[first_provider][0].id,
    }
    found = []
    for api in _apis():
        spec = _spec(api)
        prefix = "_sandbox" if api == "sandbox" else api
        for template, item in spec["paths"].items():
            for method, raw in item.items():
                if method.upper() not in METHODS:
                    continue
                params = [
                    _resolve(spec, p)
                    for p in [*item.get("parameters", []), *raw.get("parameters", [])]
                ]
                values = {}
                for param in params:
                    if param["in"] != "path":
                        continue
                    example = param.get("example", param.get("schema", {}).get("example"))
                    chosen = control_values.get(param["name"]) if api == "sandbox" else None
                    values[param["name"]] = quote(str(chosen or example or "sweep_1"), safe="")
                body = _resolve(spec, raw.get("requestBody")) or {}
                content = body.get("content", {})
                example = None
                for media in content.values():
                    example = media.get(
                        "example", _resolve(spec, media.get("schema", {})).get("example")
                    )
                    if example is not None:
                        break
                found.append(
                    Operation(
                        api=prefix,
                        method=method.upper(),
                        template=template,
                        path_params=tuple(p["name"] for p in params if p["in"] == "path"),
                        query_params=tuple(p["name"] for p in params if p["in"] == "query"),
                        media_types=tuple(content),
                        example=example,
                        values=values,
                    )
                )
    return found


# -- the cases ------------------------------------------------------------------------

ODD_PATH_VALUES = [
    "%ED%A0%80",  # a lone surrogate, UTF-8 encoded (CESU)
    "%00",
    "a%00b",
    "%ZZ",
    "%",
    "%2",
    "%C0%AF",  # an overlong "/"
    "%E0%80%AF",
    "%FF%FE",
    "%F0%9F%92%B8",  # an emoji
    "%E2%80%AE",  # right-to-left override
    "..%2F..%2F_sandbox%2Freset",
    "%0D%0AX-Injected:%201",
    "x" * 3000,
    "%EF%BB%BF",
    "%F4%90%80%80",  # beyond U+10FFFF
]
ODD_QUERY_VALUES = [
    "1e309",
    "9" * 400,
    "-0",
    "1e-400",
    "NaN",
    "Infinity",
    "%ED%A0%80",
    "%00",
    "%ZZ",
    "%C0%AF",
    "",
    "%FF",
    "-9223372036854775809",
    "0x10",
    "[]",
    "%E2%80%AE",
]
ODD_FIELD_VALUES: list[bytes] = [
    b'"\\ud800"',  # a lone surrogate, escaped (valid JSON syntax)
    b'"\\udfff\\ud800"',
    b'"\xed\xa0\x80"',  # a lone surrogate as raw (invalid) UTF-8
    b'"\xff\xfe"',
    b'"\\u0000"',
    b'"\\u202e\\u0000x"',
    b"1e309",
    b"-1e309",
    b"9" * 400,
    b"-" + b"9" * 400,
    b"-0",
    b"1e-400",
    b"1.0000000000000000000000000000001",
    b"18446744073709551616",
    b'"' + b"x" * 100_000 + b'"',
    b"[" * 100 + b"]" * 100,
    b"{}",
    b"null",
    b"true",
    b'"1e309"',
    b'"99999999999999999999999999d"',
]
# (name, body, content type): whole-body variants, built from the operation's example.
Variant = tuple[str, bytes, "bytes | None"]

JSON = b"application/json"


def _example_bytes(op: Operation) -> bytes:
    example = op.example if op.example is not None else {}
    return json.dumps(example).encode()


def _with_field(op: Operation, rng: random.Random, raw_value: bytes) -> bytes:
    """The example body (an object) with one seeded field set to a raw JSON value."""
    example = op.example if isinstance(op.example, dict) and op.example else {"sweep": 1}
    name = rng.choice(sorted(example))
    encoded = {k: json.dumps(v).encode() for k, v in example.items()}
    encoded[name] = raw_value
    return b"{" + b",".join(json.dumps(k).encode() + b":" + v for k, v in encoded.items()) + b"}"


def _body_variants(op: Operation, rng: random.Random) -> list[Variant]:
    good = _example_bytes(op)
    first = next(iter(op.media_types)).encode()
    variants: list[Variant] = [
        ("truncated", good[: max(1, len(good) // 2)], JSON),
        ("trailing-garbage", good + b"}garbage", JSON),
        ("two-documents", good + good, JSON),
        ("nan", b'{"a": NaN}', JSON),
        ("infinity", b'{"a": Infinity}', JSON),
        ("minus-infinity", b"-Infinity", JSON),
        (
            "duplicate-keys",
            b"{" + good[1:-1] + b"," + good[1:-1] + b"}" if good != b"{}" else b'{"a":1,"a":2}',
            JSON,
        ),
        ("bom", b"\xef\xbb\xbf" + good, JSON),
        ("utf16", good.decode().encode("utf-16"), JSON),
        ("deep-arrays", b"[" * 10_000 + b"]" * 10_000, JSON),
        ("deep-objects", b'{"a":' * 10_000 + b"1" + b"}" * 10_000, JSON),
        ("deep-in-field", _with_field(op, rng, b'{"a":' * 5_000 + b"1" + b"}" * 5_000), JSON),
        ("array-not-object", b"[" + good + b"]", JSON),
        ("scalar", b"42", JSON),
        ("string", b'"text"', JSON),
        ("null", b"null", JSON),
        ("empty-json", b"", JSON),
        ("empty-no-type", b"", None),
        ("whitespace", b" \r\n\t ", JSON),
        ("no-content-type", good, None),
        ("invalid-utf8", b'{"a": "\xc3\x28"}', JSON),
        ("nul-bytes", b"\x00" * 64, JSON),
        ("text-plain", good, b"text/plain"),
        ("form-for-json", b"a=1&b=%ED%A0%80&c=%ZZ&a=2", b"application/x-www-form-urlencoded"),
        (
            "multipart",
            b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n',
            b"multipart/form-data; boundary=x",
        ),
        ("multipart-no-boundary", b"--x\r\n\r\n", b"multipart/form-data"),
        ("charset-latin1", good, b"application/json; charset=latin-1"),
        ("charset-bogus", good, b"application/json; charset=no-such-charset"),
        ("charset-utf16", good, b"application/json; charset=utf-16"),
        ("plus-json", good, b"application/vnd.sweep+json"),
        ("xml", b"<a>1</a>", b"application/xml"),
        ("type-list", good, b"application/json, text/plain"),
        ("type-garbage", good, b";;;=\xff"),
        ("type-upper", good, b"APPLICATION/JSON; CHARSET=UTF-8"),
        ("first-documented-type", good, first),
    ]
    for value in rng.sample(ODD_FIELD_VALUES, 8):
        variants.append((f"field={value[:16]!r}", _with_field(op, rng, value), JSON))
    return variants


def _cases(sb: Sandbox) -> list[Case]:
    rng = random.Random(SEED)
    operations = _operations(sb)
    cases: list[Case] = []
    for op in operations:
        base = f"{op.api} {op.method} {op.template}"
        for name in op.path_params:
            for value in rng.sample(ODD_PATH_VALUES, 4):
                target = op.path(**{name: value}).encode()
                cases.append(Case(f"{base} path {name}={value[:20]}", op, op.method, target))
            raw = op.path(**{name: "PLACEHOLDER"}).encode().replace(b"PLACEHOLDER", b"\xed\xa0\x80")
            cases.append(Case(f"{base} raw-bytes {name}", op, op.method, raw, protocol=True))
        names = op.query_params or ("sweep_unknown",)
        for name in names:
            for value in rng.sample(ODD_QUERY_VALUES, 2):
                target = f"{op.path()}?{name}={value}".encode()
                cases.append(Case(f"{base} query {name}={value[:20]}", op, op.method, target))
        repeated = f"{op.path()}?{names[0]}=1&{names[0]}=2&{names[0]}[]=3".encode()
        cases.append(Case(f"{base} query repeated", op, op.method, repeated))
        odd_header = rng.choice(
            [b"\xff\xfe", b"\xed\xa0\x80", b"x" * 8000, b"\x01\x7f", b"=?utf-8?b?8J+Suw==?="]
        )
        cases.append(
            Case(
                f"{base} odd header",
                op,
                op.method,
                op.path().encode(),
                headers=((b"x-sweep", odd_header),),
                protocol=odd_header == b"\x01\x7f",  # control characters are not HTTP
            )
        )
        cases.append(
            Case(
                f"{base} odd accept",
                op,
                op.method,
                op.path().encode(),
                headers=((b"accept", b"\xff/\xff;q=NaN"),),
            )
        )
        if op.media_types:
            for name, body, kind in _body_variants(op, rng):
                cases.append(
                    Case(
                        f"{base} body {name}",
                        op,
                        op.method,
                        op.path().encode(),
                        body=body,
                        content_type=kind,
                    )
                )
    cases += _per_path(operations, rng)
    cases += _per_api(sb, operations)
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "case names must be distinct"
    return cases


def _per_path(operations: list[Operation], rng: random.Random) -> list[Case]:
    """Wrong methods on every documented path."""
    by_path: dict[tuple[str, str], list[Operation]] = {}
    for op in operations:
        by_path.setdefault((op.api, op.template), []).append(op)
    cases = []
    for (api, template), ops in by_path.items():
        documented = {op.method for op in ops}
        for method in [m for m in METHODS if m not in documented] + ["OPTIONS", "TRACE"]:
            target = ops[0].path().encode()
            cases.append(Case(f"{api} {method} {template} wrong method", ops[0], method, target))
        cases.append(
            Case(
                f"{api} FOO {template} unknown method",
                ops[0],
                "FOO",
                ops[0].path().encode(),
                protocol=True,
            )
        )
    return cases


def _per_api(sb: Sandbox, operations: list[Operation]) -> list[Case]:
    """Hosts, sizes, URLs and credentials, once per API."""
    limit_body = sb.config.max_body_bytes
    limit_head = sb.config.max_header_bytes
    cases = []
    for api in dict.fromkeys(op.api for op in operations):
        ops = [op for op in operations if op.api == api]
        # An API may have no GET (Zaakpay) or no body operation (Zoho): the limits hold for
        # any method, and are checked before routing.
        get = next((op for op in ops if op.method == "GET"), ops[0])
        post = next(
            (op for op in ops if op.media_types and op.api == api and "inbox" not in op.template),
            get,
        )
        target = get.path().encode()
        for host in [
            b"evil.example",
            b"127.0.0.1.evil.example",
            b"localhost.evil.example",
            b"",
            b"LOCALHOST",
            b"localhost.",
            b"[::1]:1",
            b"[::1",
            b"127.0.0.1:99999",
            b"127.0.0.1:x",
            b"user@127.0.0.1",
            b"127.0.0.1, evil.example",
            b"\xff\xfe",
            b"%31%32%37.0.0.1",
            b"0x7f.1",
            b"2130706433",
            b"a" * 300,
        ]:
            cases.append(Case(f"{api} host {host[:24]!r}", get, get.method, target, host=host))
        cases.append(
            Case(f"{api} no host http/1.1", get, get.method, target, host=None, protocol=True)
        )
        cases.append(
            Case(
                f"{api} two hosts",
                get,
                get.method,
                target,
                headers=((b"host", b"evil.example"),),
                protocol=True,
            )
        )
        big = b"{" + b'"a":"' + b"x" * (limit_body + 10) + b'"}'
        cases.append(
            Case(
                f"{api} body over limit",
                post,
                post.method,
                post.path().encode(),
                body=big,
                content_type=JSON,
            )
        )
        cases.append(
            Case(
                f"{api} chunked body over limit",
                post,
                post.method,
                post.path().encode(),
                body=big,
                content_type=JSON,
                headers=((b"transfer-encoding", b"chunked"),),
            )
        )
        cases.append(
            Case(
                f"{api} header over limit",
                get,
                get.method,
                target,
                headers=((b"x-big", b"h" * (limit_head + 1)),),
            )
        )
        cases.append(
            Case(
                f"{api} many headers",
                get,
                get.method,
                target,
                headers=tuple((b"x-h%d" % i, b"v") for i in range(2000)),
            )
        )
        cases.append(
            Case(
                f"{api} head past the server cut-off",
                get,
                get.method,
                target,
                headers=((b"x-huge", b"h" * (head_cutoff(sb.config) * 2)),),
                protocol=True,
            )
        )
        cases.append(
            Case(f"{api} long path", get, get.method, target + b"/" + b"p" * (limit_head + 1))
        )
        cases.append(
            Case(f"{api} long query", get, get.method, target + b"?q=" + b"q" * (limit_head + 1))
        )
        cases.append(
            Case(
                f"{api} long query just under",
                get,
                get.method,
                target + b"?q=" + b"q" * (limit_head // 2),
            )
        )
        cases.append(Case(f"{api} unknown path", get, get.method, b"/no/such/%ED%A0%80/path"))
        cases.append(Case(f"{api} dot segments", get, get.method, b"/../../_sandbox/reset"))
        cases.append(Case(f"{api} double slash", get, get.method, b"/" + target))
        cases.append(Case(f"{api} trailing slash", get, get.method, target + b"/"))
        cases.append(Case(f"{api} suffix", get, get.method, target + b".json%00"))
        cases.append(Case(f"{api} fragment", get, get.method, target + b"#frag"))
        cases.append(
            Case(
                f"{api} absolute form",
                get,
                get.method,
                b"http://evil.example/" + api.encode() + target,
                protocol=True,
            )
        )
        for value in [
            b"Bearer",
            b"Bearer \xff\xfe",
            b"Bearer \xed\xa0\x80",
            b"Basic %%%",
            b"Bearer " + b"a" * 20000,
            b"\x00",
        ]:
            cases.append(
                Case(
                    f"{api} authorization {value[:16]!r}",
                    get,
                    "GET",
                    target,
                    headers=((b"authorization", value),),
                    protocol=value == b"\x00",
                )
            )
        for length in [b"abc", b"-1", b"1e3", b"99999999999999999999999"]:
            cases.append(
                Case(
                    f"{api} content-length {length!r}",
                    post,
                    post.method,
                    post.path().encode(),
                    headers=((b"content-length", length),),
                    protocol=True,
                )
            )
    return cases


# -- sending --------------------------------------------------------------------------


def _auth_headers(sb: Sandbox, case: Case) -> dict[str, str]:
    """Valid credentials of the API's first tenant for this request (the provider's own
    client auth hook), so cases reach validation and handlers rather than only 401."""
    rt = sb.runtime
    assert rt is not None
    if case.op.api == "_sandbox":
        return {"X-Sandbox-Token": sb.token} if sb.token else {}
    provider = rt.providers[case.op.api]
    tenant = rt.tenants[case.op.api][0]
    kind = (case.content_type or b"").decode("latin-1")
    body = decode_body(kind, case.body or b"")  # the decoder clients use
    credentials = provider.credentials_for(
        tenant,
        ClientRequest(
            method=case.method,
            path=case.target.split(b"?")[0].decode("latin-1"),
            headers={},
            body=body,
            clock=rt.clock.now_ms,
            negative=True,
        ),
    )
    return dict(credentials.headers)


def _raw_request(sb: Sandbox, case: Case) -> bytes:
    target = (
        b"/" + case.op.api.encode() + case.target if case.target.startswith(b"/") else case.target
    )
    head = [case.method.encode() + b" " + target + b" HTTP/1.1"]
    if case.host is not None:
        head.append(b"Host: " + case.host)
    head.append(b"Connection: close")
    given = {name.lower() for name, _ in case.headers}
    for name, value in _auth_headers(sb, case).items():
        if name.lower().encode() not in given:
            head.append(name.encode() + b": " + value.encode())
    head += [name + b": " + value for name, value in case.headers]
    chunked = b"transfer-encoding" in given
    if case.content_type is not None:
        head.append(b"Content-Type: " + case.content_type)
    if case.body is not None and not chunked and b"content-length" not in given:
        head.append(b"Content-Length: " + str(len(case.body)).encode())
    body = case.body or b""
    if chunked:
        step = 65536
        body = (
            b"".join(
                b"%x\r\n" % len(body[i : i + step]) + body[i : i + step] + b"\r\n"
                for i in range(0, len(body), step)
            )
            + b"0\r\n\r\n"
        )
    return b"\r\n".join(head) + b"\r\n\r\n" + body


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    headers: list[tuple[str, str]]
    seconds: float


def _send(sb: Sandbox, raw: bytes) -> Answer:
    port = int(sb.url.rsplit(":", 1)[1])
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        try:
            sock.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the whole request was read: the answer is waiting
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
        return Answer(
            response.status,
            response.getheader("content-type") or "",
            body,
            response.getheaders(),
            time.monotonic() - started,
        )


# -- checking -------------------------------------------------------------------------


class ErrorShapes:
    """Each API's error shapes: every schema its spec documents for a non-2xx answer."""

    def __init__(self) -> None:
        self._validators: dict[str, jsonschema.Draft4Validator] = {}

    def validator(self, api: str) -> jsonschema.Draft4Validator:
        if api not in self._validators:
            spec = _spec("sandbox" if api == "_sandbox" else api)
            schemas = []
            for item in spec["paths"].values():
                for method, operation in item.items():
                    if method.upper() not in METHODS:
                        continue
                    for status, answer in operation.get("responses", {}).items():
                        if status.startswith("2"):
                            continue
                        media = _resolve(spec, answer).get("content", {}).get("application/json")
                        if media and media.get("schema") not in schemas:
                            schemas.append(media["schema"])
            assert schemas, f"{api} documents no JSON error"
            self._validators[api] = jsonschema.Draft4Validator(
                {"components": spec.get("components", {}), "anyOf": schemas}
            )
        return self._validators[api]


def _check(case: Case, answer: Answer, conformance, shapes: ErrorShapes, port: int) -> None:
    where = f"{case.name}: {answer.status} {answer.content_type} {answer.body[:200]!r}"
    assert answer.status < 500, where
    assert answer.seconds < TIMEOUT, where
    if (
        case.protocol
        and answer.status in SERVER_REFUSALS
        and answer.content_type.startswith("text/plain")
    ):
        return  # the HTTP server's own refusal of what is not HTTP/1.1
    if answer.status == 204:
        assert answer.body == b"", where
        return
    assert answer.content_type.split(";")[0].strip() == "application/json", where
    document = json.loads(answer.body)
    if answer.status >= 300:
        errors = list(shapes.validator(case.op.api).iter_errors(document))
        assert not errors, (
            f"{where}: not in the {case.op.api} error shape: {errors[0].message[:200]}"
        )
    # The documented status and schema of the operation the path names (when it names one;
    # the conformance hook's own matching is more lenient than routing).
    target = case.target if case.target.startswith(b"/") else b"/"
    path = quote(target.split(b"?")[0].split(b"#")[0], safe="/%")
    if not re.fullmatch(re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(case.op.template)), path):
        return
    if answer.status == 404 and b"No such endpoint" in answer.body:
        return  # the router found no operation there (a line break in a segment, say)
    path = "/" + case.op.api + path
    request = httpx.Request(case.method, f"http://127.0.0.1:{port}{path}")
    headers = [(k, v) for k, v in answer.headers if k.lower() != "content-encoding"]
    try:
        response = httpx.Response(
            answer.status, headers=headers, content=answer.body, request=request
        )
        response.elapsed = timedelta(seconds=answer.seconds)
        conformance(response)
    except AssertionError as err:
        raise AssertionError(f"{where}: {err}") from None
    except Exception as err:  # schemathesis reports a failed check as its own exception
        raise AssertionError(f"{where}: {err}") from None


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


def _normal(sb: Sandbox) -> None:
    """A normal request to every API answers as usual."""
    with sb.client() as control:
        assert control.get("/_sandbox/clock").status_code == 200
    for api in REGISTRY:
        # The provider's first benchmark case: a representative request and its answer.
        base = sb.provider_url(api)
        bench = importlib.import_module(f"sandbox.providers.{api}.bench")
        case = bench.cases(lambda path, headers: httpx.get(base + path, headers=headers).json())[0]
        response = httpx.request(
            case.method, base + case.path, headers=case.headers, content=case.body, timeout=TIMEOUT
        )
        assert response.status_code == case.status, f"{api} {case.name}: {response.text[:300]}"


def _run(sb: Sandbox, cases: list[Case], conformance, shapes: ErrorShapes) -> list[str]:
    port = int(sb.url.rsplit(":", 1)[1])
    failures = []
    for case in cases:
        try:
            answer = _send(sb, _raw_request(sb, case))
            _check(case, answer, conformance, shapes, port)
        except (AssertionError, OSError, http.client.HTTPException, ValueError) as err:
            failures.append(f"{case.name}: {type(err).__name__}: {str(err)[:400]}")
    return failures


def test_the_sweep_covers_every_api_and_operation(sb):
    cases = _cases(sb)
    assert len(cases) >= 300
    covered = {(case.op.api, case.op.method, case.op.template) for case in cases}
    assert covered == {(op.api, op.method, op.template) for op in _operations(sb)}
    assert {case.op.api for case in cases} == {*REGISTRY, "_sandbox"}
    # Deterministic: the same seed builds the same cases.
    assert [c.name for c in _cases(sb)] == [c.name for c in cases]


@pytest.fixture
def swept(sb: Sandbox) -> Iterator[Sandbox]:
    """The session sandbox, left as the sweep found it: cases that happen to be valid may
    resume the clock or re-point webhooks, which outlive a reset."""
    rt = sb.runtime
    assert rt is not None
    endpoints = rt.store.endpoints()
    yield sb
    rt.freeze_clock(True)
    for provider, tenant, *_ in rt.store.endpoints():
        rt.store.delete_endpoint(provider, tenant)
    for provider, tenant, url, secret in endpoints:
        rt.store.set_endpoint(provider, tenant, url, secret)
    sb.reset()


def test_malformed_requests_get_4xx_in_the_apis_shape_with_flat_memory(swept, conformance):
    sb = swept
    shapes = ErrorShapes()
    cases = _cases(sb)
    # Warm up: every code path once, so imports, caches and pools are not counted as growth.
    _run(sb, cases[::7], conformance, shapes)  # failures are reported by the full run
    gc.collect()
    before = _rss_mb()
    failures = _run(sb, cases, conformance, shapes)
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(
        failures[:60]
    )
    gc.collect()
    grown = _rss_mb() - before
    assert grown < RSS_BOUND_MB, f"RSS grew by {grown:.1f} MB over {len(cases)} cases"
    _normal(sb)
