"""The watch list file: never destroyed, never written through a planted link, bounded."""

from __future__ import annotations

import json
from pathlib import Path

from tui.watchlist import MAX_IDS, WatchList


def test_a_typo_in_the_file_is_kept_aside_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.json"
    typo = '{"councils": ["local.barnet.2022-05-05",]}'
    path.write_text(typo)
    watch = WatchList(path)
    assert watch.ids == set()
    assert watch.error is not None and "kept aside as watchlist.bad-" in watch.error
    watch.toggle("local.brent.2022-05-05")
    aside = list(tmp_path.glob("watchlist.bad-*.json"))
    assert len(aside) == 1 and aside[0].read_text() == typo  # the user's list survives
    assert json.loads(path.read_text()) == {"councils": ["local.brent.2022-05-05"]}


def test_a_planted_temporary_file_link_is_never_written_through(tmp_path: Path) -> None:
    target = tmp_path / "victim.txt"
    target.write_text("do not touch")
    (tmp_path / "watchlist.tmp").symlink_to(target)
    watch = WatchList(tmp_path / "watchlist.json")
    watch.toggle("local.barnet.2022-05-05")
    assert target.read_text() == "do not touch"
    assert watch.error is None
    assert json.loads((tmp_path / "watchlist.json").read_text())["councils"] == [
        "local.barnet.2022-05-05"
    ]
    assert not list(tmp_path.glob(".watchlist-*"))  # no temporary file left behind


def test_a_huge_list_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.json"
    path.write_text(json.dumps({"councils": [f"local.c{i}.2022-05-05" for i in range(20_000)]}))
    watch = WatchList(path)
    assert len(watch.ids) == MAX_IDS and "more than" in (watch.error or "")
    (tmp_path / "big.json").write_bytes(b" " * (2 * 1024 * 1024))
    big = WatchList(tmp_path / "big.json")
    assert big.ids == set() and "larger than" in (big.error or "")
