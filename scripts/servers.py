"""Starting the project's own servers, and Debian's, for tests, benchmarks and screenshots:
a free loopback port, waiting until a server listens, ``election-night web`` in its own
process, and how headless Chromium is started here."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: As this workplace's own browser checks start it: no sandbox as root, and nothing that
#: reaches for the network on its own (this machine's network is closed).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_listening(process: subprocess.Popen[bytes], port: int, limit: float = 30) -> None:
    """Until the server accepts connections: between tries it waits on the process itself,
    so a server that dies is reported at once."""
    deadline = time.monotonic() + limit
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            try:
                process.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start listening") from None
            else:
                raise RuntimeError(f"the server exited ({process.returncode})") from None


@contextmanager
def web_app(*source_args: str) -> Iterator[str]:
    """``election-night web SOURCE_ARGS…`` on a free loopback port; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "web", *source_args, "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_listening(process, port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)
