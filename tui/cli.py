"""The ``election-night`` command: the app on the bundled night by default, plus the
data-layer commands from ``feeds.commands``."""

from __future__ import annotations

import argparse
import gc
import sys

from feeds.client import FeedConfigError, check_feed_url
from feeds.commands import (
    BUNDLED_NIGHT,
    add_commands,
    add_feed_options,
    positive_speed,
    say,
    settings_from,
)


def cmd_replay(args: argparse.Namespace) -> int:
    # Start-up allocates a great deal and frees almost nothing, so collecting is wasted work
    # (~40 ms); the app turns the collector back on after its first frame.
    gc.disable()
    from tui.app import run_replay

    # A bad recording or start time ends the app with its message and exit code 2.
    return run_replay(args.file, speed=args.speed, start=args.start, faults=args.faults)


def cmd_watch(args: argparse.Namespace) -> int:
    settings = settings_from(args, interval=args.interval)
    try:  # before the screen is drawn: a URL that can never work is a plain CLI error
        check_feed_url(args.url, settings)
    except FeedConfigError as error:
        say(f"election-night: {error}")
        return 2
    gc.disable()  # as for a replay
    from tui.app import run_watch

    return run_watch(args.url, settings)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="election-night",
        description="Follow UK election results live in the terminal, or replay a recorded "
        "night. With no command, replays the bundled 5 May 2022 local elections.",
    )
    sub = parser.add_subparsers(dest="command")

    replay = sub.add_parser("replay", help="replay a recording in the app (the default)")
    replay.add_argument("file", nargs="?", default=str(BUNDLED_NIGHT))
    replay.add_argument(
        "--speed", type=positive_speed, default=300.0, help="replay speed (default 300x)"
    )
    replay.add_argument("--start", help="start at a moment (e.g. 23:30, 1h, ISO time)")
    replay.add_argument("--faults", help="inject feed faults, e.g. 5xx=0.1,429=0.05")
    replay.set_defaults(handler=cmd_replay)

    watch = sub.add_parser("watch", help="watch a live feed URL")
    watch.add_argument("url")
    watch.add_argument("--interval", type=float, default=5.0, help="seconds between polls")
    add_feed_options(watch)
    watch.set_defaults(handler=cmd_watch)

    add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    # No command, or only replay options (`election-night --start 03:00`): the bundled replay.
    if not args_list or (args_list[0].startswith("-") and args_list[0] not in ("-h", "--help")):
        args_list = ["replay", *args_list]
    args = build_parser().parse_args(args_list)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
