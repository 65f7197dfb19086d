"""What a QR code costs a Zwitch UPI collect create: each encoder per code, and creates
served in-process (the ASGI app called directly, in-memory store, no HTTP) with each one.

    python benchmarks/qr.py [--creates 2000] [--rounds 5]

Prints figures; asserts nothing. segno (the encoder before zxing-cpp) is measured when it
is installed (`pip install segno`)."""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

import zxingcpp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's sandbox

from sandbox import qr  # noqa: E402
from sandbox.app import build_app  # noqa: E402
from sandbox.config import SandboxConfig  # noqa: E402
from sandbox.providers.zwitch import models as zwitch_models  # noqa: E402
from sandbox.runtime import Runtime  # noqa: E402

INTENT = (
    "upi://pay?pa=acc_1234567890%40zwitch&pn=TechMart%20India&am=100.50"
    "&tr=pay_3b6aa45389bf0b24&tn=Order%20%23123&cu=INR"
)
PATH = "/zwitch/v1/accounts/acc_1234567890/payments/upi/collect"
BODY = json.dumps(
    {"remitter_vpa_handle": "payer@upi", "amount": 100.50, "remark": "Order #123"}
).encode()
HEADERS = [
    (b"host", b"127.0.0.1:8000"),
    (b"authorization", b"Bearer ak_test_sandbox:sk_test_sandbox"),
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BODY)).encode()),
]


_DARK_AS_ONE = bytes.maketrans(bytes(range(256)), b"1" * 128 + b"0" * 128)


def _zxing_png(code: Any) -> str:
    """zxing-cpp's symbol through the sandbox's PNG writer: its image (a byte a module, 0
    dark) packed into rows as libzint lays them out, a bit a module, lowest first (this
    packing is counted in zxing-cpp's figures)."""
    image = code.to_image(scale=1, add_quiet_zones=False)
    side = image.shape[0]
    stride = side // 8 + 3  # room for the light modules the writer reads past the side
    pixels = bytes(memoryview(image)).translate(_DARK_AS_ONE)
    rows = b"".join(
        int(pixels[start : start + side][::-1], 2).to_bytes(stride, "little")
        for start in range(0, side * side, side)
    )
    return "data:image/png;base64," + base64.b64encode(qr.png(rows, side, stride)).decode()


def zxing_best_mask(content: str) -> str:
    """zxing-cpp choosing the best of the eight masks, the same PNG writer."""
    return _zxing_png(zxingcpp.create_barcode(content, zxingcpp.BarcodeFormat.QRCode, ec_level="M"))


def zxing_fixed_mask(content: str) -> str:
    """zxing-cpp with a fixed mask, as the sandbox encoded before libzint; same PNG writer."""
    return _zxing_png(
        zxingcpp.create_barcode(
            content, zxingcpp.BarcodeFormat.QRCode, ec_level="M", data_mask=qr.DATA_MASK
        )
    )


def segno_encoder(mask: int | None) -> Callable[[str], str] | None:
    """segno as the sandbox used it (PNG, scale 4), choosing its mask or with a fixed one."""
    try:
        import segno
    except ImportError:
        return None

    def encode(content: str) -> str:
        buffer = io.BytesIO()
        segno.make_qr(content, error="m", boost_error=False, mask=mask).save(
            buffer, kind="png", scale=4, border=2
        )
        return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()

    return encode


def ours(content: str) -> str:
    """The sandbox's encoder without its cache (every collect request is a new code)."""
    return qr.qr_data_uri.__wrapped__(content)


def cached_per_account(_content: str, _uri: str = ours(INTENT)) -> str:
    """Before issue 14: one QR per account, always served from the cache."""
    return _uri


def per_code_ms(encode: Callable[[str], str], count: int) -> float:
    """Milliseconds per code over `count` distinct contents."""
    started = time.perf_counter()
    for number in range(count):
        encode(INTENT.replace("3b6a", f"{number:04d}"))
    return (time.perf_counter() - started) * 1000 / count


async def _create(app: Any) -> int:
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": BODY, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": PATH,
        "raw_path": PATH.encode(),
        "query_string": b"",
        "headers": HEADERS,
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
    }
    await app(scope, receive, send)
    return status


def create_cpu_ms(encode: Callable[[str], str], creates: int) -> float:
    """CPU milliseconds per create served in-process with `encode` drawing the QR code,
    on a fresh sandbox (process time: other work on the machine does not count)."""
    original = zwitch_models.qr_data_uri
    zwitch_models.qr_data_uri = encode
    try:
        runtime = Runtime(SandboxConfig(clock_frozen=True, clock_start="2024-01-15T10:00:00Z"))
        app = build_app(runtime)

        async def run() -> float:
            assert await _create(app) == 200  # warm up: first-call imports and caches
            started = time.process_time()
            for _ in range(creates):
                await _create(app)
            return (time.process_time() - started) * 1000 / creates

        return asyncio.run(run())
    finally:
        zwitch_models.qr_data_uri = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=2000, help="creates per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (median kept)")
    args = parser.parse_args()
    encoders: list[tuple[str, Callable[[str], str] | None, int]] = [
        ("one QR per account, cached (before)", cached_per_account, 20_000),
        ("libzint, fixed mask (the sandbox's)", ours, 5_000),
        ("zxing-cpp, fixed mask (before)", zxing_fixed_mask, 5_000),
        ("zxing-cpp, best of 8 masks", zxing_best_mask, 2_000),
        ("segno, fixed mask", segno_encoder(0), 200),
        ("segno, best of 8 masks", segno_encoder(None), 100),
    ]
    print(f"content: {INTENT} ({len(INTENT)} characters)")
    available = [(name, encode, count) for name, encode, count in encoders if encode]
    # Rounds alternate between the encoders, so a busy moment of the machine hits them all.
    cpu: dict[str, list[float]] = {name: [] for name, _, _ in available}
    for _ in range(args.rounds):
        for name, encode, _ in available:
            cpu[name].append(create_cpu_ms(encode, args.creates))
    print("| encoder | ms per code | ms CPU per create | creates/s of CPU |")
    print("|---|---:|---:|---:|")
    for name, encode, count in encoders:
        if encode is None:
            print(f"| {name} | (not installed) | | |")
            continue
        per_create = statistics.median(cpu[name])
        print(
            f"| {name} | {per_code_ms(encode, count):.3f} | {per_create:.3f} "
            f"| {1000 / per_create:,.0f} |"
        )


if __name__ == "__main__":
    main()
