"""Payment QR codes, the one place the sandbox makes them: UPI payment intents and QR codes
as PNG data URIs (a Zwitch collect request's `qr_code` and payment page, ZTake's checkout
page and payment profile).

Encoded by libzint (C, through zint-bindings) with a fixed data mask: choosing the best of
the eight masks is most of an encoder's work and any mask is valid for every reader, and
each UPI collect request encodes its own payment, so this runs on every create.
`benchmarks/qr.py` measures it against the alternatives (per code: pure-Python segno 13 ms,
4 ms with a fixed mask; zxing-cpp choosing its mask 0.4 ms, with a fixed one 0.06 ms, as
the sandbox used it before; libzint 0.03 ms; a hand-written pure-Python encoder with
precomputed layouts about 0.1 ms). Tests read every code back with zxing-cpp's reader, an
implementation independent of the encoder. The PNG is written here: 1 bit per pixel, four
pixels a module, the standard quiet zone of four modules, its pixels deflated by ISA-L
(python-isal): 7 µs a code and 606 bytes, where the standard library's zlib at its fastest
level takes 21 µs and 686 bytes (a create served 20 µs sooner; benchmarks/README.md)."""

from __future__ import annotations

import base64
import struct
import zlib
from functools import lru_cache
from urllib.parse import quote

import zint
from isal import isal_zlib

SCALE = 4  # pixels per module: one module is one hex digit (four 1-bit pixels)
DATA_MASK = 0  # (row + column) % 2; fixed, see the module docstring
ERROR_CORRECTION = 2  # level M: recovers 15% of the symbol, as most payment QR codes do
DEFLATE_LEVEL = 1  # ISA-L's levels run 0-3; level 0 is twice as fast but 40% larger
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A module (0 dark, 255 light) → four 1-bit PNG pixels as a hex digit.
_HEX = bytes(ord("0") if value < 128 else ord("f") for value in range(256))


def upi_intent(
    payee: str,
    name: str,
    amount: str | None = None,
    reference: str | None = None,
    note: str | None = None,
) -> str:
    """A UPI payment intent (NPCI's UPI linking specification, `upi://pay`): payee address
    `pa` and name `pn`, the amount `am` in rupees ("100.50"), the merchant's transaction
    reference `tr`, a note `tn` the payer's app shows, and the currency; values
    percent-encoded. Without an amount it is a merchant's static QR (the payer types it)."""
    fields = [("pa", payee), ("pn", name), ("am", amount), ("tr", reference), ("tn", note)]
    parts = [f"{key}={_quoted(value)}" for key, value in fields if value is not None]
    return "upi://pay?" + "&".join([*parts, "cu=INR"])


@lru_cache(maxsize=1024)  # a tenant's UPI id and name, amounts and notes come again
def _quoted(value: str) -> str:
    return quote(value, safe="")


def matrix(content: str) -> tuple[bytes, int]:
    """The symbol of `content` with its quiet zone, one byte a module (0 dark, 255
    light), row by row, and its side in modules."""
    symbol = zint.Symbol()
    symbol.symbology = zint.Symbology.QRCODE
    symbol.option_1 = ERROR_CORRECTION
    symbol.option_3 = (DATA_MASK + 1) << 8  # libzint's way of naming a mask
    symbol.output_options = zint.OutputOptions.BARCODE_QUIET_ZONES
    symbol.scale = 0.5  # libzint draws a module two pixels wide at scale 1
    symbol.encode(content)
    symbol.buffer()
    image = symbol.bitmap  # rows × columns × RGB, black on white
    return bytes(image)[::3], image.shape[0]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(modules: bytes, side: int) -> bytes:
    """A 1-bit grayscale PNG of a square module matrix, SCALE pixels a module."""
    digits = modules.translate(_HEX).decode("ascii")
    pad = "f" if side % 2 else ""  # fills the last byte; pixels past the width are ignored
    # Each module row is SCALE pixel rows: the first as it is (filter 0), the others "the
    # same as the row above" (filter 2, all zeros), which deflate compresses at once. The
    # scanlines are written as one hex string: `between` ends a row and starts the next.
    same = ("02" + "00" * ((side * SCALE + 7) // 8)) * (SCALE - 1)
    between = pad + same + "00"
    rows = [digits[start : start + side] for start in range(0, side * side, side)]
    scanlines = bytes.fromhex("00" + between.join(rows) + pad + same)
    pixels = side * SCALE
    header = struct.pack(">IIBBBBB", pixels, pixels, 1, 0, 0, 0, 0)  # 1 bit, grayscale
    return (
        _PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", isal_zlib.compress(scanlines, DEFLATE_LEVEL))
        + _chunk(b"IEND", b"")
    )


@lru_cache(maxsize=1024)  # a page shown again, a vendor's fixed profile QR
def qr_data_uri(content: str) -> str:
    """A real, scannable PNG QR code of `content` as a data URI."""
    modules, side = matrix(content)
    return "data:image/png;base64," + base64.b64encode(png(modules, side)).decode("ascii")
