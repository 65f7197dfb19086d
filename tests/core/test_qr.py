"""The QR encoder: what a code says, read back by an independent reader (zxing-cpp)."""

from __future__ import annotations

import base64

import png
import pytest
import zxingcpp

from sandbox import qr
from tests.qrcodes import decode_data_uri


@pytest.mark.parametrize(
    "content",
    [
        qr.upi_intent("acc_1234567890@zwitch", "TechMart India", "100.50", "pay_1", "Order #1"),
        qr.upi_intent("techmart@ybl", "TechMart India"),  # a static QR: no amount
        "upi://pay?" + "x" * 400,  # a long note makes a larger symbol
    ],
)
def test_a_code_reads_back_as_its_content_at_level_m(content):
    uri = qr.qr_data_uri(content)
    assert decode_data_uri(uri) == content
    found = zxingcpp.read_barcodes(_pixels(uri))
    assert [code.ec_level for code in found] == ["M"]


def test_a_code_is_four_pixels_a_module_with_a_quiet_zone_of_four_modules():
    modules, side = qr.matrix("upi://pay?pa=a@b&cu=INR")
    assert set(modules) == {0, 255} and len(modules) == side * side
    version_side = side - 8  # 17 + 4 × version modules
    assert (version_side - 17) % 4 == 0
    rows = [modules[r * side : (r + 1) * side] for r in range(side)]
    assert all(row == b"\xff" * side for row in rows[:4] + rows[-4:])
    assert all(row[:4] == row[-4:] == b"\xff" * 4 for row in rows)
    width, height, _, info = png.Reader(bytes=qr.png(modules, side)).asDirect()
    assert (width, height, info["bitdepth"]) == (side * qr.SCALE, side * qr.SCALE, 1)


def _pixels(uri: str) -> memoryview:
    width, height, rows, _ = png.Reader(
        bytes=base64.b64decode(uri.removeprefix("data:image/png;base64,"))
    ).asDirect()
    pixels = b"".join(bytes(255 if bit else 0 for bit in row) for row in rows)
    return memoryview(pixels).cast("B", (height, width))
