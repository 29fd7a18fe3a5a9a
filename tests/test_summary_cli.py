"""`election-night summary` on a snapshot file, a recording and a live URL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import factories as f
from tests.conftest import BUNDLED_NIGHT
from tests.faultserver import FaultServer, Reply
from tui.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_summary_of_a_snapshot_file_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "snap.json"
    path.write_bytes(
        f.body(
            f.snapshot(
                councils=[
                    f.council(),
                    f.bolton(
                        before="NOC",
                        after="NOC",
                        won={"LAB": 10, "CON": 5},
                        change={"LAB": 1, "CON": -1},
                    ),
                ]
            )
        )
    )
    code, out, _ = run(capsys, "summary", str(path))
    assert code == 0
    assert "Declared 2 of 2 councils" in out
    assert "LAB" in out and "NOC" in out


def test_summary_json_for_one_region(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "snap.json"
    path.write_bytes(
        f.body(
            f.snapshot(
                councils=[
                    f.council(),
                    f.bolton(won={"LAB": 10, "CON": 5}, change={}),
                ]
            )
        )
    )
    code, out, _ = run(capsys, "summary", str(path), "--region", "north west", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["region"] == {"code": "E12000002", "name": "North West"}
    assert data["scoreboard"]["total"] == 1
    code, out, _ = run(capsys, "summary", str(path), "--region", "E12000007", "--format", "json")
    assert json.loads(out)["scoreboard"]["parties"][0] == {
        "party": "LAB",
        "councils": 1,
        "councils_change": 1,
        "councillors": 41,
        "councillors_change": 16,
    }


def test_summary_of_the_bundled_night_matches_the_real_results(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "summary", str(BUNDLED_NIGHT), "--format", "json")
    data = json.loads(out)
    councils = {row["party"]: row["councils"] for row in data["scoreboard"]["parties"]}
    assert code == 0
    assert (councils["LAB"], councils["CON"], councils["LD"], councils["SNP"], councils["PC"]) == (
        74,
        35,
        16,
        1,
        4,
    )
    # Independents and others 8: Tower Hamlets is Aspire's (ASP), as in its mayor.
    assert councils["OTH"] + councils["ASP"] == 8 and data["scoreboard"]["noc"]["councils"] == 62
    assert data["scoreboard"]["declared"] == 200
    # The published GB councillors, counted ward by ward (same-day by-elections in, the four
    # postponed polls out).
    councillors = {row["party"]: row["councillors"] for row in data["scoreboard"]["parties"]}
    assert (councillors["LAB"], councillors["CON"], councillors["LD"]) == (3073, 1403, 868)
    assert (data["scoreboard"]["seats_declared"], data["scoreboard"]["seats_total"]) == (6851, 6851)
    assert data["scoreboard"]["wards_declared"] == 3961  # 3,965 contests less 4 postponed
    barnet = next(c for c in data["councils"] if c["name"] == "Barnet")
    assert barnet["seats_won"] == {"LAB": 41, "CON": 22} and barnet["wards_total"] == 24
    assert barnet["result"] == "LAB gain from CON"
    bristol = data["referendums"][0]
    votes = {o["id"]: o["votes"] for o in bristol["options"]}
    assert votes == {"committee": 56113, "mayor": 38439}
    assert bristol["final"] and bristol["outcome"] == "committee"
    assert {m["winner"] for m in data["mayors"]} >= {"Jason Perry", "Lutfur Rahman"}


def test_summary_of_a_recording_at_a_moment(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "summary", str(BUNDLED_NIGHT), "--at", "22:05", "--format", "json")
    assert code == 0 and json.loads(out)["scoreboard"]["declared"] == 0
    code, out, _ = run(capsys, "summary", str(BUNDLED_NIGHT), "--at", "03:00", "--format", "json")
    midnight = json.loads(out)["scoreboard"]["declared"]
    assert 0 < midnight < 200


def test_summary_of_a_live_url(capsys: pytest.CaptureFixture[str]) -> None:
    with FaultServer(Reply.json(f.body(f.snapshot()))) as server:
        code, out, _ = run(capsys, "summary", server.url)
    assert code == 0 and "Declared 1 of 1 councils" in out


def test_summary_errors_are_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "summary", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read" in err
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"<html>nope</html>")
    code, _, err = run(capsys, "summary", str(bad))
    assert code == 2 and "HTML" in err
    code, _, err = run(capsys, "summary", str(BUNDLED_NIGHT), "--region", "Atlantis")
    assert code == 2 and "no single region" in err


def test_replay_options_without_a_command_mean_the_bundled_replay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tui.cli

    seen = {}

    def fake_replay(args) -> int:  # noqa: ANN001
        seen.update(vars(args))
        return 0

    monkeypatch.setattr(tui.cli, "cmd_replay", fake_replay)
    assert tui.cli.main(["--start", "03:00", "--speed", "60"]) == 0
    assert seen["start"] == "03:00" and seen["speed"] == 60.0
    assert seen["file"].endswith("local-2022-05-05.jsonl.gz")


def test_no_arguments_start_the_bundled_replay_without_building_the_parser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`election-night` alone is the usual start: argparse and every command's options
    (~25 ms) are not built for it, and it replays exactly as `election-night replay` does."""
    import tui.cli

    seen: list[dict[str, object]] = []

    def fake_replay(file: str, **options: object) -> int:
        seen.append({"file": file, **options})
        return 0

    def no_parser() -> None:
        raise AssertionError("the parser was built")

    monkeypatch.setattr(tui.cli, "replay", fake_replay)
    with monkeypatch.context() as patch:
        patch.setattr(tui.cli, "build_parser", no_parser)
        assert tui.cli.main([]) == 0
    assert tui.cli.main(["replay"]) == 0  # through the parser, with its defaults
    assert seen[0] == seen[1]
    assert seen[0]["file"] == str(BUNDLED_NIGHT) and seen[0]["start"] is None


@pytest.mark.parametrize("command", ["summary", "record", "watch"])
def test_commands_refuse_a_url_that_can_never_work_without_a_traceback(
    command: str, tmp_path: Path
) -> None:
    """Port 99999 once ended `summary` and `record` with tracebacks."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    extra = ["-o", str(tmp_path / "out.jsonl")] if command == "record" else []
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", command, "http://127.0.0.1:99999/feed", *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    assert "not a usable feed URL" in done.stderr and "Traceback" not in done.stderr


def test_summary_ignores_a_socks_proxy_in_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ALL_PROXY=socks5://… once made every poll raise ImportError (no socksio)."""
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1")
    monkeypatch.setenv("HTTP_PROXY", "socks5://127.0.0.1:1")
    with FaultServer(Reply.json(f.body(f.snapshot()))) as server:
        code, out, err = run(capsys, "summary", server.url)
    assert code == 0 and "Declared 1 of 1 councils" in out


def test_summary_of_scotland_gives_the_published_councillors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys, "summary", str(BUNDLED_NIGHT), "--region", "Scotland", "--format", "json"
    )
    rows = {r["party"]: r["councillors"] for r in json.loads(out)["scoreboard"]["parties"]}
    assert code == 0
    assert (rows["SNP"], rows["LAB"], rows["CON"], rows["LD"], rows["GRN"]) == (
        453, 282, 214, 87, 35
    )  # fmt: skip


def test_summary_with_wards_lists_every_ward_and_stv_stages(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys, "summary", str(BUNDLED_NIGHT), "--region", "Scotland", "--wards", "--format", "json"
    )
    data = json.loads(out)
    assert code == 0 and len(data["wards"]) == 355
    almond = next(w for w in data["wards"] if w["id"] == "local.edinburgh.almond.2022-05-05")
    assert almond["count_type"] == "stv" and almond["quota"] == 2782
    lang = next(c for c in almond["candidates"] if c["name"] == "Kevin Lang")
    assert lang["elected"] and lang["elected_at_stage"] == 1 and lang["stages"][0] == 5904
    code, text, _ = run(capsys, "summary", str(BUNDLED_NIGHT), "--region", "London", "--wards")
    assert "    Burnt Oak: Sara Conway (LAB)" in text
    assert "Seat changes: exact for" in text
