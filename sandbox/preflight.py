"""Checks `paysandbox serve` makes before starting, so a bad database path or a taken port
gets one line that says how to fix it instead of a traceback from deep inside."""

from __future__ import annotations

import errno
import socket
import sqlite3
from pathlib import Path


class PreflightError(Exception):
    """Serving cannot start; the message says why and what to do."""


def check_database(db: str | None) -> None:
    """Refuses a database path in a missing directory, or a file that is not SQLite."""
    if db is None:
        return
    path = Path(db)
    if path.is_dir():
        raise PreflightError(f"--db {db} is a directory; give a file, e.g. --db {path}/sandbox.db")
    if not path.parent.is_dir():
        raise PreflightError(
            f"--db {db}: the directory {path.parent} does not exist; create it "
            f"(mkdir -p {path.parent}) or pick another path"
        )
    if not path.exists():
        return
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise PreflightError(f"--db {db}: cannot read it ({exc.strerror})") from None
    if head and head != b"SQLite format 3\x00":
        raise PreflightError(
            f"--db {db} is not a SQLite database (another program's file?); "
            "give a new path or a file an earlier `paysandbox serve --db` wrote"
        )
    try:
        connection = sqlite3.connect(path)
        try:
            connection.execute("PRAGMA schema_version").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise PreflightError(f"--db {db} cannot be opened as a database ({exc})") from None


def claim_port(host: str, port: int) -> int:
    """The port to serve on: `port` when it is free on `host` (a free one for 0); refuses a
    port that is taken or out of range with the fix."""
    if not 0 <= port <= 65535:
        raise PreflightError(f"port {port} is out of range: use 1-65535, or 0 for any free port")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # The server sets SO_REUSEADDR too: a port in TIME_WAIT is free for it, a port
        # someone listens on is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PreflightError(
                    f"port {port} on {host} is already in use (another sandbox?); stop it or "
                    f"pick another port with --port (0 picks a free one)"
                ) from None
            if exc.errno == errno.EACCES:
                raise PreflightError(
                    f"port {port} on {host} needs privileges; use a port above 1023"
                ) from None
            if exc.errno in (errno.EADDRNOTAVAIL, socket.EAI_NONAME) or isinstance(
                exc, socket.gaierror
            ):
                raise PreflightError(
                    f"cannot listen on {host}: not an address of this machine; "
                    "use --host 127.0.0.1 (or 0.0.0.0 for every interface)"
                ) from None
            raise PreflightError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        return probe.getsockname()[1]
