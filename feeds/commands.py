"""The data-layer commands: ``summary``, ``record`` and ``serve`` (no UI involved)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

from feeds.client import (
    Failed,
    FeedConfigError,
    FeedPoller,
    PollOutcome,
    PollSettings,
    Updated,
    check_feed_url,
    poll_forever,
)
from feeds.sanitise import clean_line

# The recording, summary and replay modules (pydantic, uvicorn) load in the commands that
# use them: the app's first frame needs none of them.
if TYPE_CHECKING:
    from feeds.recording import Header
    from feeds.replay import ReplayFeed
    from feeds.store import ResultsStore


def say(text: str, file: TextIO | None = None) -> None:
    """Print one line for the user on stderr: every line passes the sanitiser, whatever it
    quotes (a recording's warning, a feed's error), so no byte from a feed reaches the
    terminal."""
    print(clean_line(text, limit=2_000), file=file or sys.stderr)


BUNDLED_NIGHT = Path(__file__).resolve().parent / "recordings" / "local-2022-05-05.jsonl.gz"


def add_feed_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--auth-header-env",
        metavar="NAME",
        help="environment variable holding an auth header value (never logged)",
    )
    parser.add_argument(
        "--auth-header",
        default="Authorization",
        metavar="HEADER",
        help="header that carries the value of --auth-header-env (default Authorization)",
    )
    parser.add_argument(
        "--proxy",
        metavar="URL",
        help="send requests through this HTTP proxy (proxies in the environment are never "
        "used); an auth header is then refused over plain http",
    )


def settings_from(args: argparse.Namespace, interval: float = 5.0) -> PollSettings:
    env = getattr(args, "auth_header_env", None)
    return PollSettings(
        interval=interval,
        auth_header=args.auth_header if env else None,
        auth_env=env,
        proxy=getattr(args, "proxy", None),
    )


def cmd_summary(args: argparse.Namespace) -> int:
    from feeds.summary import SourceError, as_json, as_text, find_region, load_source, summarise

    try:
        store = load_source(args.source, at=args.at, settings=settings_from(args))
        region = find_region(store, args.region) if args.region else None
    except SourceError as error:
        say(f"election-night: {error}")
        return 2
    summary = summarise(store, region, wards=args.wards)
    if args.format == "json":
        print(json.dumps(as_json(summary), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(as_text(summary))
    return 0


class RecordError(Exception):
    """``record`` cannot go on (the output exists, the disk is full); the message is clean."""


class _LineFile:
    """The recording's file, written a whole line at a time. A line that cannot be written
    whole (a full disk) is cut back off, so the file stays valid to its last whole line."""

    def __init__(self, handle: BinaryIO, name: str) -> None:
        self.handle = handle
        self.name = name
        self.lines = 0

    def write(self, text: str) -> int:
        position = self.handle.tell()
        data = memoryview(text.encode("utf-8"))
        try:
            while data:  # unbuffered: each write is one system call, and may be partial
                written = self.handle.write(data)
                data = data[written or 0 :]
        except OSError as error:
            reason = error.strerror or type(error).__name__
            try:
                self.handle.truncate(position)
            except OSError:
                pass
            raise RecordError(
                f"cannot write to {self.name} ({reason}); it is valid up to its last whole line"
            ) from None
        self.lines += 1
        return len(text)

    def flush(self) -> None:
        pass  # every write is flushed


def _open_output(output: Path, append: bool) -> tuple[BinaryIO, Header | None, int]:
    """The output file, and with ``append`` the header and last offset of what it holds."""
    from feeds.recording import RecordingError, read_recording

    if not append:
        try:
            return output.open("xb", buffering=0), None, 0
        except FileExistsError:
            raise RecordError(
                f"{output} exists: give another name, or --append to continue that recording"
            ) from None
        except OSError as error:
            raise RecordError(f"cannot create {output} ({error.strerror or error})") from None
    if not output.exists() or output.stat().st_size == 0:
        return output.open("ab", buffering=0), None, 0
    if output.suffix == ".gz":
        raise RecordError("--append cannot continue a compressed recording")
    try:
        existing = read_recording(output)
    except RecordingError as error:
        raise RecordError(f"cannot append: {error}") from None
    handle = output.open("r+b", buffering=0)
    handle.seek(0, 2)
    if handle.tell() and not _ends_with_newline(handle):
        handle.write(b"\n")  # a cut last line stays a bad line, on its own
    return handle, existing.header, existing.duration_ms


def _ends_with_newline(handle: BinaryIO) -> bool:
    handle.seek(-1, 2)
    last = handle.read(1)
    handle.seek(0, 2)
    return last == b"\n"


async def record(
    url: str,
    output: Path,
    settings: PollSettings,
    *,
    stop: asyncio.Event,
    until: Callable[[ResultsStore], bool] | None = None,
    log: TextIO = sys.stderr,
    append: bool = False,
    wall_clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> int:
    """Poll ``url`` and write what changed to ``output`` until ``stop`` is set (or ``until``
    says the state is complete). Feed errors are reported, never recorded. Returns lines
    written. A new file is never written over; ``append`` continues an existing recording
    (one header, offsets carrying on from its start time). Raises ``RecordError``."""
    from feeds.recording import RecordingWriter

    handle, header, last_t = _open_output(output, append)
    poller = FeedPoller(url, settings=settings)
    began = time.monotonic()
    started_at = header.started_at if header is not None else None
    # Offsets run from the recording's start time, so that an appended part carries on in
    # step with the clock; without one (an old recording), from its last line onwards.
    base = None if started_at is not None else last_t + (1000 if header is not None else 0)
    if header is None:
        started_at = wall_clock()
    sink = _LineFile(handle, output.name)
    writer: RecordingWriter | None = None
    failure: RecordError | None = None

    def offset() -> int:
        if base is not None:
            t = base + int((time.monotonic() - began) * 1000)
        else:
            assert started_at is not None
            t = int((wall_clock() - started_at).total_seconds() * 1000)
        return max(t, last_t)

    def on_outcome(outcome: PollOutcome) -> None:
        nonlocal writer, failure
        store = poller.store
        if isinstance(outcome, Failed):
            say(
                f"feed error (not recorded): {outcome.reason}; retrying in "
                f"{outcome.next_poll:.1f} s",
                log,
            )
            return
        if not isinstance(outcome, Updated):
            return
        try:
            if writer is None:
                writer = RecordingWriter(
                    sink,
                    source=url,
                    election=store.election.id if store.election else None,
                    started_at=started_at,
                    header=header is None,
                )
                writer.keyframe(offset(), store)  # the whole state first, appending too
            elif outcome.snapshot:
                writer.keyframe(offset(), store)
            elif not outcome.changes.empty:
                writer.change(offset(), store, outcome.changes)
        except RecordError as error:
            failure = error
            stop.set()
            return
        if until is not None and until(store):
            stop.set()

    try:
        await poll_forever(poller, on_outcome, stop)
    finally:
        await poller.aclose()
        handle.close()  # unbuffered: nothing is left to write
    if failure is not None:
        raise failure
    return sink.lines


def cmd_record(args: argparse.Namespace) -> int:
    output = Path(args.output)
    settings = settings_from(args, interval=args.interval)
    try:
        check_feed_url(args.url, settings)
    except FeedConfigError as error:
        say(f"election-night: {error}")
        return 2

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await record(args.url, output, settings, stop=stop, append=args.append)

    try:
        lines = asyncio.run(main())
    except RecordError as error:
        say(f"election-night: {error}")
        return 1
    say(f"recorded {lines} line(s) to {output}")
    return 0


def open_replay(
    path: str | Path,
    *,
    speed: float,
    start: str | None,
    faults: str | None = None,
    paused: bool = False,
    poll_after: float | None = None,
) -> ReplayFeed:
    from feeds.recording import parse_moment, read_recording
    from feeds.replay import FaultSpec, ReplayFeed, VirtualClock

    recording = read_recording(path)
    start_ms = 0.0
    if start:
        start_ms = parse_moment(start, recording.header.started_at)
    clock = VirtualClock(recording.duration_ms, speed=speed, start_ms=start_ms, paused=paused)
    return ReplayFeed(recording, clock, FaultSpec.parse(faults), poll_after=poll_after)


def _serve_hosts(bind: str, extra: list[str]) -> list[str]:
    """Host names the server answers to: loopback, the bound address, the machine's own
    names when bound to every interface, and any the user allows."""
    import socket

    from feeds.replay import LOOPBACK_HOSTS

    hosts = [*LOOPBACK_HOSTS, *extra]
    if bind in ("0.0.0.0", "::", ""):
        hosts += [socket.gethostname(), socket.getfqdn()]
    else:
        hosts.append(bind)
    return [h.lower() for h in dict.fromkeys(hosts) if h]


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from feeds.recording import RecordingError
    from feeds.replay import create_app, hide_truncation_faults, new_control_token

    try:
        feed = open_replay(
            args.file, speed=args.speed, start=args.start, faults=args.faults, poll_after=2.0
        )
    except (RecordingError, ValueError) as error:
        say(f"election-night: {error}")
        return 2
    for warning in feed.recording.warnings[:20]:
        say(f"warning: {warning}")
    hide_truncation_faults()
    token = args.token or new_control_token()
    hosts = _serve_hosts(args.host, args.allow_host or [])
    host = f"[{args.host}]" if ":" in args.host else args.host
    say(
        f"serving {args.file} at http://{host}:{args.port}/feed "
        f"(speed {args.speed:g}x; clock at /replay)"
    )
    say(f"replay controls need the header  Authorization: Bearer {token}")
    say(f"answering to host names: {', '.join(hosts)} (add others with --allow-host)")
    app = create_app(feed, control_token=token, allowed_hosts=hosts)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def positive_speed(text: str) -> float:
    """``--speed``: refused unless a finite number within the replay's bounds."""
    from feeds.replay import check_speed

    try:
        return check_speed(float(text))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    summary = sub.add_parser("summary", help="print the scoreboard, referendums and mayors")
    summary.add_argument("source", help="feed URL, feed snapshot file, or recording")
    summary.add_argument("--region", help="GSS code or name of a region")
    summary.add_argument("--format", choices=("text", "json"), default="text")
    summary.add_argument("--at", help="for a recording: a moment (e.g. 03:00, 2h30m, ISO time)")
    summary.add_argument(
        "--wards", action="store_true", help="also every ward's result (winners, candidates)"
    )
    add_feed_options(summary)
    summary.set_defaults(handler=cmd_summary)

    rec = sub.add_parser("record", help="record a live feed to a JSON Lines file")
    rec.add_argument("url")
    rec.add_argument("-o", "--output", required=True, help="a new file (see --append)")
    rec.add_argument(
        "--append", action="store_true", help="continue an existing recording in --output"
    )
    rec.add_argument("--interval", type=float, default=5.0, help="seconds between polls")
    add_feed_options(rec)
    rec.set_defaults(handler=cmd_record)

    serve = sub.add_parser("serve", help="serve a recording as a live feed (for rehearsals)")
    serve.add_argument("file", nargs="?", default=str(BUNDLED_NIGHT))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8022)
    serve.add_argument("--speed", type=positive_speed, default=1.0)
    serve.add_argument(
        "--token", help="the token replay controls need (default: a new random one, printed)"
    )
    serve.add_argument(
        "--allow-host",
        action="append",
        metavar="NAME",
        help="also answer to this host name or address (repeatable); loopback by default",
    )
    serve.add_argument("--start", help="start at a moment (e.g. 23:30, 1h, ISO time)")
    serve.add_argument("--faults", help="e.g. 5xx=0.1,429=0.05,slow=0.05,truncate=0.05,seed=1")
    serve.set_defaults(handler=cmd_serve)
