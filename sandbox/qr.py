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
implementation independent of the encoder. The PNG is written here, from libzint's rows
of bits rather than the bitmap it can draw (drawing cost about as much as encoding): 1 bit
per pixel, four pixels a module, the standard quiet zone of four modules, its pixels
deflated by ISA-L (python-isal): 7 µs a code and 606 bytes, where the standard library's
zlib at its fastest level takes 21 µs and 686 bytes (benchmarks/README.md)."""

from __future__ import annotations

import base64
import struct
import threading
import zlib
from functools import lru_cache
from urllib.parse import quote

import zint
from isal import isal_zlib

SCALE = 4  # pixels a module: a module is a nibble of a 1-bit PNG row
QUIET = 4  # light modules around the symbol, the quiet zone QR codes require
ZINT_ROW = 144  # bytes a row of libzint's symbol (its encoded_data, 200 rows × 144)
DATA_MASK = 0  # (row + column) % 2; fixed, see the module docstring
ERROR_CORRECTION = 2  # level M: recovers 15% of the symbol, as most payment QR codes do
DEFLATE_LEVEL = 1  # ISA-L's levels run 0-3; level 0 is twice as fast but 40% larger
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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


_symbols = threading.local()


def _symbol() -> zint.Symbol:
    # One libzint symbol a thread, cleared between codes: a new one is a 30 kB structure
    # allocated, zeroed and freed per code, which a busy server pays for in evicted caches.
    symbol = getattr(_symbols, "symbol", None)
    if symbol is None:
        symbol = _symbols.symbol = zint.Symbol()
        symbol.symbology = zint.Symbology.QRCODE
        symbol.option_1 = ERROR_CORRECTION
        symbol.option_3 = (DATA_MASK + 1) << 8  # libzint's way of naming a mask
    else:
        symbol.clear()  # the encoded rows (options stay)
    return symbol


def modules(content: str) -> tuple[bytes, int]:
    """The symbol of `content` as libzint lays it out, and its side n in modules: row r is
    the ZINT_ROW bytes from r × ZINT_ROW, module c in bit c % 8 (lowest first) of its byte
    c // 8, set when dark; bits past the side are clear (light). Only the symbol's own n
    rows are copied, not the 200 libzint has room for."""
    symbol = _symbol()
    symbol.encode(content)
    side = symbol.width
    return symbol.encoded_data[:side].tobytes(), side


def _pixels_of(part: int) -> bytes:
    # A byte of eight modules → its output byte `part` (0-3): modules 2·part and 2·part + 1,
    # four 1-bit pixels each (a nibble, 0 dark), the first in the high nibble.
    def nibble(dark: int) -> int:
        return 0x0 if dark else 0xF

    return bytes(
        nibble(byte >> 2 * part & 1) << 4 | nibble(byte >> 2 * part + 1 & 1) for byte in range(256)
    )


_PIXELS = tuple(_pixels_of(part) for part in range(4))


@lru_cache(maxsize=64)
def _frame(side: int) -> tuple[bytes, tuple[int, ...], int, int]:
    """What every PNG of a symbol of this side shares: its scanlines with every module light
    (each module row is SCALE pixel rows: the first as it is, filter 0; the others "the
    same as the row above", filter 2, all zeros, which deflate compresses at once); where
    each module row's pixels start in them; how many bytes of pixels a row takes from its
    modules (the symbol's, then the right quiet zone and the last byte's padding, all light
    in the rows); and how many bytes of modules give that many."""
    row_bytes = ((side + 2 * QUIET) * SCALE + 7) // 8
    lead = QUIET * SCALE // 8  # the left quiet zone: 16 pixels, two bytes
    group = (b"\x00" + b"\xff" * row_bytes) + (b"\x02" + bytes(row_bytes)) * (SCALE - 1)
    starts = tuple((QUIET + row) * len(group) + 1 + lead for row in range(side))
    span = row_bytes - lead
    return group * (side + 2 * QUIET), starts, span, (2 * span + 7) // 8


def png(rows: bytes, side: int, stride: int = ZINT_ROW) -> bytes:
    """A 1-bit grayscale PNG of a square symbol laid out as `modules` gives it (a row every
    `stride` bytes), SCALE pixels a module, in a quiet zone of QUIET modules. Built with
    bulk byte operations: a Python loop over modules or pixels would cost more than libzint
    spends making the symbol."""
    frame, starts, span, width = _frame(side)
    packed = bytearray(side * width)  # the rows side by side, `width` bytes each
    for column in range(width):
        packed[column::width] = rows[column : column + side * stride : stride]
    pixels = bytearray(4 * len(packed))  # each byte of eight modules → four of pixels
    for part, table in enumerate(_PIXELS):
        pixels[part::4] = packed.translate(table)
    scanlines = bytearray(frame)
    for row, start in enumerate(starts):
        scanlines[start : start + span] = pixels[4 * width * row : 4 * width * row + span]
    size = (side + 2 * QUIET) * SCALE
    header = struct.pack(">IIBBBBB", size, size, 1, 0, 0, 0, 0)  # 1 bit, grayscale
    return (
        _PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", isal_zlib.compress(scanlines, DEFLATE_LEVEL))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@lru_cache(maxsize=1024)  # a page shown again, a vendor's fixed profile QR
def qr_data_uri(content: str) -> str:
    """A real, scannable PNG QR code of `content` as a data URI."""
    rows, side = modules(content)
    return "data:image/png;base64," + base64.b64encode(png(rows, side)).decode("ascii")
