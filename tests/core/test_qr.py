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


@pytest.mark.parametrize("content", ["upi://pay?pa=a@b&cu=INR", "upi://pay?" + "y" * 300])
def test_a_code_is_four_pixels_a_module_with_a_quiet_zone_of_four_modules(content):
    rows, side = qr.modules(content)
    assert (side - 17) % 4 == 0  # 17 + 4 × version modules
    width, height, pixels, info = png.Reader(bytes=_png(qr.qr_data_uri(content))).read()
    assert (width, height, info["bitdepth"]) == ((side + 8) * 4, (side + 8) * 4, 1)
    pixels = [list(row) for row in pixels]
    for top in range(0, height, 4):  # every module is a square of 4 × 4 equal pixels
        for left in range(0, width, 4):
            block = {pixels[top + y][left + x] for y in range(4) for x in range(4)}
            assert len(block) == 1, (top, left)
    border = [row[:16] + row[-16:] for row in pixels] + pixels[:16] + pixels[-16:]
    assert all(all(row) for row in border)  # four light modules on every side
    for r in range(side):  # and inside, each module is the symbol's, 0 (black) when dark
        for c in range(side):
            dark = rows[r * qr.ZINT_ROW + c // 8] >> c % 8 & 1
            assert pixels[(r + 4) * 4][(c + 4) * 4] == (0 if dark else 1)


def _png(uri: str) -> bytes:
    return base64.b64decode(uri.removeprefix("data:image/png;base64,"))


def _pixels(uri: str) -> memoryview:
    width, height, rows, _ = png.Reader(bytes=_png(uri)).asDirect()
    pixels = b"".join(bytes(255 if bit else 0 for bit in row) for row in rows)
    return memoryview(pixels).cast("B", (height, width))


def test_a_small_code_after_a_large_one_carries_nothing_of_it():
    # The thread's libzint symbol is reused: a code must not keep the rows (or the size)
    # of the larger one before it, which reading it back would not notice if only the
    # quiet zone were dirty.
    large, small = "upi://pay?" + "z" * 600, "upi://pay?pa=a@b&cu=INR"
    qr.modules(large)
    rows, side = qr.modules(small)
    assert len(rows) == side * qr.ZINT_ROW
    assert qr.modules(large)[1] > side
    rows_again, side_again = qr.modules(small)
    assert (rows_again, side_again) == (rows, side)
    for r in range(side):  # every bit past the symbol's side is light
        row = int.from_bytes(rows[r * qr.ZINT_ROW : (r + 1) * qr.ZINT_ROW], "little")
        assert row >> side == 0, r
    assert decode_data_uri(qr.qr_data_uri.__wrapped__(small)) == small
