"""The data-layer commands: ``summary``, ``record`` and ``serve`` (no UI involved)."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from feeds.client import Failed, FeedPoller, PollOutcome, PollSettings, Updated, poll_forever
from feeds.sanitise import clean_line

# The recording, summary and replay modules (pydantic, uvicorn) load in the commands that
# use them: the app's first frame needs none of them.
if TYPE_CHECKING:
    from feeds.recording import RecordingWriter
    from feeds.replay import ReplayFeed
    from feeds.store import ResultsStore


def say(text: str, file: TextIO | None = None) -> None:
    """Print one line for the user on stderr: every line passes the sanitiser, whatever it
    quotes (a recording's warning, a feed's error), so no byte from a feed reaches the
    terminal."""
    print(clean_line(text, limit=2_000), file=file or sys.stderr)


BUNDLED_NIGHT = Path(__file__).resolve().parent / "recordings" / "local-2022-05-05.jsonl"


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
    summary = summarise(store, region)
    if args.format == "json":
        print(json.dumps(as_json(summary), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(as_text(summary))
    return 0


async def record(
    url: str,
    output: Path,
    settings: PollSettings,
    *,
    stop: asyncio.Event,
    until: Callable[[ResultsStore], bool] | None = None,
    log: TextIO = sys.stderr,
) -> int:
    """Poll ``url`` and append what changed to ``output`` until ``stop`` is set (or ``until``
    says the state is complete). Feed errors are reported, never recorded. Returns lines written."""
    from feeds.recording import RecordingWriter

    poller = FeedPoller(url, settings=settings)
    started = time.monotonic()
    lines = 0
    writer: RecordingWriter | None = None

    with output.open("a", encoding="utf-8", newline="\n") as handle:

        def on_outcome(outcome: PollOutcome) -> None:
            nonlocal writer, lines
            store = poller.store
            if isinstance(outcome, Failed):
                print(
                    f"feed error (not recorded): {outcome.reason}; retrying in "
                    f"{outcome.next_poll:.1f} s",
                    file=log,
                )
                return
            t_ms = int((time.monotonic() - started) * 1000)
            if isinstance(outcome, Updated):
                if writer is None:
                    writer = RecordingWriter(
                        handle, source=url, election=store.election.id if store.election else None
                    )
                    writer.keyframe(t_ms, store)
                    lines += 1
                elif outcome.snapshot:
                    writer.keyframe(t_ms, store)
                    lines += 1
                elif not outcome.changes.empty:
                    writer.change(t_ms, store, outcome.changes)
                    lines += 1
            if until is not None and until(store):
                stop.set()

        try:
            await poll_forever(poller, on_outcome, stop)
        finally:
            await poller.aclose()
    return lines


def cmd_record(args: argparse.Namespace) -> int:
    output = Path(args.output)
    settings = settings_from(args, interval=args.interval)

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await record(args.url, output, settings, stop=stop)

    lines = asyncio.run(main())
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
    add_feed_options(summary)
    summary.set_defaults(handler=cmd_summary)

    rec = sub.add_parser("record", help="record a live feed to a JSON Lines file")
    rec.add_argument("url")
    rec.add_argument("-o", "--output", required=True)
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
