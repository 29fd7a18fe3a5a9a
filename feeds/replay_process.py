"""A recording's replay server in a process of its own, for the app that watches it.

In a thread of the app's process the server held a second copy of the night and took the
GIL from the app's frames while it built multi-megabyte answers. As a child process it
costs the app neither: the app polls it over loopback like any feed.

The control token travels in the environment, never on the command line (which any local
user can read). The child says on its stdout, in one JSON line, where it listens and what
the recording's reader warned about, or why it could not start. It lives as long as its
stdin stays open: when the app ends, however it ends, the pipe closes and the child goes.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

from feeds.sanitise import clean_line

TOKEN_VARIABLE = "ELECTION_NIGHT_REPLAY_TOKEN"


class ReplayStartError(Exception):
    """The replay could not start (a bad recording, a bad option): the child's own words."""


class ReplayProcess:
    """Starts ``python -m feeds.replay_process`` and waits for it to listen."""

    def __init__(
        self,
        path: str | Path,
        *,
        speed: float,
        start: str | None = None,
        faults: str | None = None,
        paused: bool = False,
        token: str,
    ) -> None:
        argv = [sys.executable, "-m", "feeds.replay_process", str(path), "--speed", f"{speed!r}"]
        if start:
            argv += ["--start", start]
        if faults:
            argv += ["--faults", faults]
        if paused:
            argv.append("--paused")
        self._argv = argv
        self._token = token
        self._process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.warnings: list[str] = []

    def start(self) -> ReplayProcess:
        """Blocks until the child listens (run it off the UI thread)."""
        project = str(Path(__file__).resolve().parent.parent)
        path = os.environ.get("PYTHONPATH")
        env = {
            **os.environ,
            TOKEN_VARIABLE: self._token,
            # The child imports feeds/ as this process did, installed or not.
            "PYTHONPATH": project + (os.pathsep + path if path else ""),
        }
        self._process = subprocess.Popen(
            self._argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        assert self._process.stdout is not None
        hello = _read_hello(self._process.stdout)
        if "url" not in hello:
            self.stop()
            raise ReplayStartError(str(hello.get("error", "the replay server did not start")))
        self.url = str(hello["url"])
        warnings = hello.get("warnings", [])
        self.warnings = [clean_line(str(w)) for w in warnings] if isinstance(warnings, list) else []
        return self

    def stop(self) -> None:
        process = self._process
        if process is None:
            return
        self._process = None
        if process.stdin is not None:
            process.stdin.close()  # the child's signal to go
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


def _read_hello(stdout: IO[bytes]) -> dict[str, Any]:
    line = stdout.readline(1_000_000)
    if not line:
        return {"error": "the replay server ended before it started"}
    try:
        hello = json.loads(line)
    except ValueError:
        return {"error": "the replay server said something unexpected"}
    return hello if isinstance(hello, dict) else {"error": "the replay server did not start"}


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m feeds.replay_process")
    parser.add_argument("file")
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--start")
    parser.add_argument("--faults")
    parser.add_argument("--paused", action="store_true")
    args = parser.parse_args(argv)
    # Ctrl-C in the terminal reaches the whole process group: the app decides when this ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    token = os.environ.pop(TOKEN_VARIABLE, None)
    if not token:
        _say({"error": f"no control token in {TOKEN_VARIABLE}"})
        return 2

    import gc

    from feeds.recording import RecordingError
    from feeds.replay import open_replay
    from feeds.replay_server import ServerThread, create_app

    try:
        feed = open_replay(
            args.file, speed=args.speed, start=args.start, faults=args.faults, paused=args.paused
        )
    except (RecordingError, ValueError, OSError) as error:
        _say({"error": clean_line(str(error))})
        return 2
    gc.freeze()  # the night lives as long as the process: the collector need not scan it
    server = ServerThread(create_app(feed, control_token=token)).start()
    _say({"url": server.url, "warnings": [clean_line(w) for w in feed.recording.warnings]})
    sys.stdin.buffer.read()  # until the app closes its end, or goes
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
