"""Start-up on a real terminal: the command started on a pseudo-terminal, timed from the
process's start to the first frame it writes there, paired and interleaved with a minimal
Textual app started the same way."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time

from benchmarks.harness import ROOT, Figure, median, p95, user_environment

MINIMAL = """
from textual.app import App, ComposeResult
from textual.widgets import Footer, Static

class Minimal(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("hello, first frame")
        yield Footer()

Minimal().run()
"""


#: Text of the app's first frame (the tabs). The minimal app's footer keys come a frame
#: later (Footer composes them after the first refresh), so neither is timed to its keys.
FIRST_FRAME = b"Overview"


def time_to_first_frame(
    command: list[str], marker: bytes, timeout: float = 30.0
) -> tuple[float, float]:
    """Milliseconds from starting ``command`` on a 120x40 pty to the moment ``marker`` (text
    of its first frame) has been written to it, and the CPU time (user and system) the
    process had used when it was stopped just after: the work itself, which the time other
    guests take from this machine (steal) does not inflate."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = user_environment(
        {"TERM": "xterm-256color", "COLORTERM": "truecolor", "LINES": "40", "COLUMNS": "120"}
    )
    env["ELECTION_NIGHT_CONFIG_DIR"] = os.environ.get("ELECTION_NIGHT_CONFIG_DIR", "/tmp")
    t0 = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env, close_fds=True
    )
    os.close(slave)
    seen = b""
    try:
        while time.perf_counter() - t0 < timeout:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                seen += chunk
                if marker in seen:
                    wall = (time.perf_counter() - t0) * 1000
                    process.kill()
                    _, status, usage = os.wait4(process.pid, 0)
                    process.returncode = os.waitstatus_to_exitcode(status)
                    return wall, (usage.ru_utime + usage.ru_stime) * 1000
        raise RuntimeError(f"no first frame with {marker!r} within {timeout} s")
    finally:
        if process.returncode is None:
            process.kill()
            process.wait(10)
        os.close(master)


def bench_startup_pty(runs: int) -> list[Figure]:
    app = [sys.executable, "-m", "tui.cli"]
    minimal = [sys.executable, "-c", MINIMAL]
    time_to_first_frame(minimal, b"hello, first frame")  # warm the caches once for both
    time_to_first_frame(app, FIRST_FRAME)
    ours, reference, ours_cpu, reference_cpu = [], [], [], []
    for _ in range(runs):  # interleaved: a noisy moment hits both alike
        wall, cpu = time_to_first_frame(minimal, b"hello, first frame")
        reference.append(wall)
        reference_cpu.append(cpu)
        wall, cpu = time_to_first_frame(app, FIRST_FRAME)
        ours.append(wall)
        ours_cpu.append(cpu)
    ratio = median(ours) / median(reference)
    cpu_ratio = median(ours_cpu) / median(reference_cpu)
    return [
        Figure(
            "start-up to the first frame on a pty, `election-night` (bundled night)",
            median(ours),
            "ms",
            median(reference),
            "minimal Textual app on a pty",
            "<= 1.3x reference",
            ratio <= 1.3,
            f"ratio {ratio:.2f}x; p95 {p95(ours):.0f} ms against {p95(reference):.0f} ms; "
            f"CPU time to the first frame {median(ours_cpu):.0f} against "
            f"{median(reference_cpu):.0f} ms, {cpu_ratio:.2f}x; {runs} runs each, interleaved",
        )
    ]
