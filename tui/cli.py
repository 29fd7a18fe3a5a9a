"""The ``election-night`` command: every command's options in one place.

The app (``replay``, the default, and ``watch``) loads Textual only when it runs; the
headless commands (``summary``, ``record``, ``serve``) never do.
"""

from __future__ import annotations

import asyncio
import gc
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from feeds.bundled import BUNDLED_NIGHT
from feeds.sanitise import say

if TYPE_CHECKING:
    import argparse

    from feeds.polling import PollSettings

REPLAY_SPEED = 300.0  # the bundled night's default: a 13-hour night in under 3 minutes


def replay_options_problem(path: str, start: str | None) -> str | None:
    """What is wrong with the options, found before the screen is drawn (the recording
    itself is read after the first frame; a bad line in it ends the app with its message)."""
    import datetime as dt

    from feeds.moments import parse_moment

    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as error:
        return f"cannot read {path}: {error.strerror or error}"
    if start:
        try:  # the form only: the recording's start time is not known yet
            parse_moment(start, dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        except ValueError as error:
            return f"--start: {error}"
    return None


def source_problem(source: str, settings: PollSettings | None = None) -> str | None:
    """Why a feed source can never work (a plain CLI error, before any screen or server
    starts), or None."""
    from feeds.pollers import check_source
    from feeds.polling import FeedConfigError

    try:
        check_source(source, settings)
    except FeedConfigError as error:
        return str(error)
    return None


def cmd_replay(args: argparse.Namespace) -> int:
    return replay(args.file, speed=args.speed, start=args.start, faults=args.faults)


def replay(file: str, *, speed: float, start: str | None, faults: str | None) -> int:
    problem = replay_options_problem(file, start)
    if problem is not None:
        say(f"election-night: {problem}")
        return 2
    # Start-up allocates a great deal and frees almost nothing, so collecting is wasted work
    # (~40 ms); the app turns the collector back on after its first frame.
    gc.disable()
    from tui.launch import run_replay

    # A bad recording or start time ends the app with its message and exit code 2.
    return run_replay(file, speed=speed, start=start, faults=faults)


def cmd_watch(args: argparse.Namespace) -> int:
    settings = settings_from(args, interval=args.interval)
    if (problem := source_problem(args.url, settings)) is not None:
        say(f"election-night: {problem}")
        return 2
    gc.disable()  # as for a replay
    from tui.launch import run_watch

    return run_watch(args.url, settings)


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
        "--dc-url",
        metavar="URL",
        help="for dc: sources, Democracy Club's candidates API (default its public one; a "
        "token for higher limits goes in DC_API_TOKEN)",
    )
    parser.add_argument(
        "--proxy",
        metavar="URL",
        help="send requests through this HTTP proxy (proxies in the environment are never "
        "used); an auth header is then refused over plain http",
    )


def settings_from(args: argparse.Namespace, interval: float = 5.0) -> PollSettings:
    from feeds.polling import PollSettings

    env = args.auth_header_env
    return PollSettings(
        interval=interval,
        auth_header=args.auth_header if env else None,
        auth_env=env,
        proxy=args.proxy,
        dc_url=args.dc_url,
    )


def cmd_summary(args: argparse.Namespace) -> int:
    from feeds.sources import SourceError, load_source
    from feeds.summary import as_json, as_text, find_region, summarise

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


def until_signalled(work: Callable[[asyncio.Event], Awaitable[int]]) -> int:
    """Run ``work`` until it ends, or until Ctrl-C or SIGTERM sets the event it was given
    (then it finishes what it was writing and returns)."""

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await work(stop)

    return asyncio.run(main())


def cmd_record(args: argparse.Namespace) -> int:
    from feeds.recorder import RecordError, record

    output = Path(args.output)
    settings = settings_from(args, interval=args.interval)
    if (problem := source_problem(args.url, settings)) is not None:
        say(f"election-night: {problem}")
        return 2

    try:
        lines = until_signalled(
            lambda stop: record(args.url, output, settings, stop=stop, append=args.append)
        )
    except RecordError as error:
        say(f"election-night: {error}")
        return 1
    if not lines:
        say("nothing recorded: the feed never answered, so no file was written")
        return 1
    say(f"recorded {lines} line(s) to {output}")
    return 0


def cmd_serve_live(args: argparse.Namespace) -> int:
    """``serve pa:DIR``: a live source (PA's folder or FTP server) as the project's feed."""
    import uvicorn

    from feeds.live_server import LiveFeed, create_live_app
    from feeds.pollers import make_poller
    from feeds.polling import PollSettings
    from feeds.replay_server import serve_hosts

    settings = PollSettings(interval=args.interval, dc_url=args.dc_url)
    if (problem := source_problem(args.file, settings)) is not None:
        say(f"election-night: {problem}")
        return 2
    poller = make_poller(args.file, settings=settings)
    hosts = serve_hosts(args.host, args.allow_host or [])
    host = f"[{args.host}]" if ":" in args.host else args.host
    say(f"serving {poller.url} at http://{host}:{args.port}/feed (read every {args.interval:g} s)")
    say(f"answering to host names: {', '.join(hosts)} (add others with --allow-host)")
    app = create_live_app(LiveFeed(poller, poll_after=args.interval), allowed_hosts=hosts)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from feeds.pollers import is_dc_source, is_pa_source

    if is_pa_source(args.file) or is_dc_source(args.file):
        return cmd_serve_live(args)

    from feeds.recording import RecordingError
    from feeds.replay import open_replay
    from feeds.replay_server import (
        create_app,
        hide_truncation_faults,
        new_control_token,
        serve_hosts,
    )

    try:
        feed = open_replay(
            args.file,
            speed=args.speed,
            start=args.start,
            faults=args.faults,
            poll_after=2.0,
            test=args.test,
        )
    except (RecordingError, ValueError) as error:
        say(f"election-night: {error}")
        return 2
    for warning in feed.recording.warnings[:20]:
        say(f"warning: {warning}")
    hide_truncation_faults()
    token = args.token or new_control_token()
    hosts = serve_hosts(args.host, args.allow_host or [])
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


def web_command(
    source: str | None,
    *,
    speed: float | None = None,
    start: str | None = None,
    dc_url: str | None = None,
) -> list[str]:
    """The command each browser session runs: the app on the same source as in a terminal."""
    from feeds.pollers import is_dc_source, is_pa_source

    base = [sys.executable, "-m", "tui.cli"]
    if source is not None and (
        source.startswith(("http://", "https://")) or is_pa_source(source) or is_dc_source(source)
    ):
        return [*base, "watch", source, *(["--dc-url", dc_url] if dc_url else [])]
    command = [*base, "replay", source or str(BUNDLED_NIGHT)]
    if speed is not None:
        command += ["--speed", f"{speed:g}"]
    if start:
        command += ["--start", start]
    return command


def cmd_web(args: argparse.Namespace) -> int:
    """``web``: the same app in a browser, one app process per browser tab (textual-serve)."""
    import shlex

    try:
        from textual_serve.server import Server
    except ImportError:
        say(
            "election-night: the web command needs the web extra: pip install 'election-night[web]'"
        )
        return 2
    source = args.source
    if source is not None and not Path(source).exists():
        if (problem := source_problem(source)) is not None:
            say(f"election-night: {problem}")
            return 2
    elif source is not None:
        problem = replay_options_problem(source, args.start)
        if problem is not None:
            say(f"election-night: {problem}")
            return 2
    command = shlex.join(
        web_command(source, speed=args.speed, start=args.start, dc_url=args.dc_url)
    )
    title = "election-night"
    say(f"serving the app at http://{args.host}:{args.port} (each browser tab runs its own app)")
    Server(command, host=args.host, port=args.port, title=title).serve()
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    """``publish SOURCE DIR``: the night as static files for any web server."""
    from feeds.pollers import is_dc_source, is_pa_source
    from feeds.polling import PollSettings
    from feeds.publish import publish_live, publish_recording

    directory = Path(args.directory)
    source = args.source
    live = (
        source.startswith(("http://", "https://")) or is_pa_source(source) or is_dc_source(source)
    )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        say(f"election-night: cannot use {directory}: {error.strerror or error}")
        return 2
    if not live:
        problem = replay_options_problem(source, args.start)
        if problem is not None:
            say(f"election-night: {problem}")
            return 2
        from feeds.recording import RecordingError

        try:
            writes = publish_recording(
                source, directory, speed=args.speed, start=args.start, interval=args.interval
            )
        except (RecordingError, ValueError) as error:
            say(f"election-night: {error}")
            return 2
        except KeyboardInterrupt:
            return 0
        say(f"the recording has ended: {writes} updates published to {directory}")
        return 0
    settings = PollSettings(interval=args.interval, dc_url=args.dc_url)
    if (problem := source_problem(source, settings)) is not None:
        say(f"election-night: {problem}")
        return 2

    writes = until_signalled(
        lambda stop: publish_live(
            source, directory, interval=args.interval, stop=stop, dc_url=args.dc_url
        )
    )
    say(f"stopped: {writes} updates published to {directory}")
    return 0


def positive_speed(text: str) -> float:
    """``--speed``: refused unless a finite number within the replay's bounds."""
    import argparse

    from feeds.replay import check_speed

    try:
        return check_speed(float(text))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    summary = sub.add_parser("summary", help="print the scoreboard, referendums and mayors")
    summary.add_argument(
        "source", help="feed URL, feed snapshot file, recording, or PA's XML (pa:DIR, ftp://…)"
    )
    summary.add_argument("--region", help="GSS code or name of a region")
    summary.add_argument("--format", choices=("text", "json"), default="text")
    summary.add_argument("--at", help="for a recording: a moment (e.g. 03:00, 2h30m, ISO time)")
    summary.add_argument(
        "--wards", action="store_true", help="also every ward's result (winners, candidates)"
    )
    add_feed_options(summary)
    summary.set_defaults(handler=cmd_summary)

    rec = sub.add_parser("record", help="record a live feed to a JSON Lines file")
    rec.add_argument("url", help="feed URL, or PA's XML (pa:DIR, ftp://…)")
    rec.add_argument("-o", "--output", required=True, help="a new file (see --append)")
    rec.add_argument(
        "--append", action="store_true", help="continue an existing recording in --output"
    )
    rec.add_argument("--interval", type=float, default=5.0, help="seconds between polls")
    add_feed_options(rec)
    rec.set_defaults(handler=cmd_record)

    serve = sub.add_parser(
        "serve",
        help="serve a recording as a live feed (for rehearsals), or a live source (pa:, dc:)",
    )
    serve.add_argument(
        "file",
        nargs="?",
        default=str(BUNDLED_NIGHT),
        help="a recording, or a live source: pa:DIR, ftp://…, dc:ELECTION_ID",
    )
    serve.add_argument(
        "--interval", type=float, default=5.0, help="for a live source: seconds between reads"
    )
    serve.add_argument("--dc-url", metavar="URL", help="for dc: Democracy Club's API")
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
    serve.add_argument(
        "--test",
        action="store_true",
        help="mark the night as test data (apps show a TEST DATA banner): for rehearsals",
    )
    serve.set_defaults(handler=cmd_serve)


def build_parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="election-night",
        description="Follow UK election results live in the terminal, or replay a recorded "
        "night. With no command, replays the bundled 5 May 2022 local elections.",
    )
    sub = parser.add_subparsers(dest="command")

    replaying = sub.add_parser("replay", help="replay a recording in the app (the default)")
    replaying.add_argument("file", nargs="?", default=str(BUNDLED_NIGHT))
    replaying.add_argument(
        "--speed",
        type=positive_speed,
        default=REPLAY_SPEED,
        help=f"replay speed (default {REPLAY_SPEED:.0f}x)",
    )
    replaying.add_argument("--start", help="start at a moment (e.g. 23:30, 1h, ISO time)")
    replaying.add_argument("--faults", help="inject feed faults, e.g. 5xx=0.1,429=0.05")
    replaying.set_defaults(handler=cmd_replay)

    watch = sub.add_parser("watch", help="watch a live feed URL, PA's XML, or Democracy Club")
    watch.add_argument(
        "url",
        help="feed URL, pa:DIR (a folder of PA XML files), ftp://…, or dc:ELECTION_ID "
        "(Democracy Club, e.g. dc:local.2026-05-07)",
    )
    watch.add_argument("--interval", type=float, default=5.0, help="seconds between polls")
    add_feed_options(watch)
    watch.set_defaults(handler=cmd_watch)

    add_commands(sub)

    publish = sub.add_parser(
        "publish", help="keep a folder up to date with the night as static files (any web server)"
    )
    publish.add_argument("source", help="a recording, feed URL, pa:DIR or dc:ELECTION_ID")
    publish.add_argument("directory", help="the folder a web server serves")
    publish.add_argument(
        "--speed", type=positive_speed, default=1.0, help="for a recording: replay speed"
    )
    publish.add_argument("--start", help="for a recording: start at a moment (e.g. 23:30)")
    publish.add_argument(
        "--interval", type=float, default=2.0, help="seconds between updates (and poll_after)"
    )
    publish.add_argument("--dc-url", metavar="URL", help="for dc: Democracy Club's API")
    publish.set_defaults(handler=cmd_publish)

    web = sub.add_parser(
        "web", help="serve the app to web browsers (needs the web extra: election-night[web])"
    )
    web.add_argument(
        "source",
        nargs="?",
        help="a recording (default: the bundled night), feed URL, pa:DIR or dc:ELECTION_ID",
    )
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, default=8000)
    web.add_argument("--speed", type=positive_speed, help="for a recording: replay speed")
    web.add_argument("--start", help="for a recording: start at a moment (e.g. 23:30)")
    web.add_argument("--dc-url", metavar="URL", help="for dc: Democracy Club's API")
    web.set_defaults(handler=cmd_web)
    return parser


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list:
        # The bundled night, the usual start: no parser is built (argparse and every
        # command's options cost ~25 ms before the first frame).
        return replay(str(BUNDLED_NIGHT), speed=REPLAY_SPEED, start=None, faults=None)
    # No command, or only replay options (`election-night --start 03:00`): the bundled replay.
    if args_list[0].startswith("-") and args_list[0] not in ("-h", "--help"):
        args_list = ["replay", *args_list]
    args = build_parser().parse_args(args_list)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
