"""Reading QR codes back in tests: the PNG decoded by pypng, the symbol by zxing-cpp's
reader, so a test proves what a code says, not only that it is a PNG."""

from __future__ import annotations

import base64
import re

import png
import zxingcpp

DATA_URI = "data:image/png;base64,"


def decode_png(data: bytes) -> str:
    """The text of the one QR code in a PNG image."""
    width, height, rows, info = png.Reader(bytes=data).asDirect()
    if info["bitdepth"] != 8 or info["planes"] != 1:  # grey at 1 bit (ours), or colour
        rows = _grey8(rows, info)
    pixels = b"".join(bytes(row) for row in rows)
    found = zxingcpp.read_barcodes(
        memoryview(pixels).cast("B", (height, width)), formats=zxingcpp.BarcodeFormat.QRCode
    )
    assert len(found) == 1, f"expected one QR code, found {len(found)}"
    return found[0].text


def _grey8(rows, info) -> list[bytes]:
    planes, top = info["planes"], 2 ** info["bitdepth"] - 1
    return [bytes(row[i] * 255 // top for i in range(0, len(row), planes)) for row in rows]


def decode_data_uri(uri: str) -> str:
    """The text of a `data:image/png;base64,...` QR code."""
    assert uri.startswith(DATA_URI), uri[:40]
    return decode_png(base64.b64decode(uri.removeprefix(DATA_URI)))


def decode_page_qr(html: str) -> str:
    """The text of the (first) QR code image on an HTML page."""
    found = re.search(r'src="(data:image/png;base64,[^"]+)"', html)
    assert found, "the page shows no PNG data URI"
    return decode_data_uri(found.group(1))
