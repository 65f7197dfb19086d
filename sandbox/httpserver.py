"""uvicorn's httptools protocol with a bound on the request head it buffers."""

from __future__ import annotations

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is optional; uvicorn then uses h11, which has its own bound
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

# What uvicorn is told to use (a string, so `--workers` processes can import it too).
BOUNDED_HTTPTOOLS = "sandbox.httpserver:BoundedHttpToolsProtocol" if HttpToolsProtocol else None
_REFUSAL = b"Request header fields too large."

if HttpToolsProtocol is not None:

    class BoundedHttpToolsProtocol(HttpToolsProtocol):  # type: ignore[misc,valid-type]
        """HttpToolsProtocol refusing, with a plain 431 and a closed connection, any request
        whose head grows past uvicorn's `h11_max_incomplete_event_size` (the bound h11 has):
        httptools itself joins a header's pieces in memory, so without this a 50 MB header
        is held whole before the sandbox's own limit can answer."""

        _in_head = False
        _head_bytes = 0
        _refused = False

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_head, self._head_bytes = True, 0

        def on_headers_complete(self) -> None:
            self._in_head = False
            super().on_headers_complete()

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            super().data_received(data)
            if not self._in_head:
                return
            # Counted after parsing, so a chunk that ends the head and starts the body is not.
            self._head_bytes += len(data)
            if self._head_bytes > self.config.h11_max_incomplete_event_size:
                self._refused = True
                self.transport.write(
                    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                    b"content-type: text/plain; charset=utf-8\r\n"
                    b"content-length: " + str(len(_REFUSAL)).encode() + b"\r\n"
                    b"connection: close\r\n\r\n" + _REFUSAL
                )
                self.transport.close()
