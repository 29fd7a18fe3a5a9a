"""PA Media's XML as a source: documents in PA's own format, written here, read from a folder
and from a real FTP server on 127.0.0.1 (pyftpdlib)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from feeds.pa_places import name_key, party_code, places
from feeds.pa_source import PASSWORD_ENV, PAPoller
from feeds.pa_xml import PADocumentError, parse_document
from feeds.polling import Failed, PollSettings, Unchanged, Updated
from feeds.sanitise import is_printable
from tui.cli import main

ADUR = "3170"


def nominations(name: str = "Adur", pa_id: str = ADUR, proportion: str = "half") -> bytes:
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<LocalElectionNominations>
  <Election date='2016-05-05' paId='82'>
    <Council name='{name}' paId='{pa_id}' type='Non-Met' proportion='{proportion}'>
      <Party name='Conservative' abbreviation='C' paId='313' seatsHeld='16' seatsOffered='8'/>
      <Party name='Labour' abbreviation='Lab' paId='314' seatsHeld='8' seatsOffered='4'/>
      <Party name='Liberal' abbreviation='Lib' paId='399' seatsHeld='3' seatsOffered='2'/>
      <Party name='Vacant' abbreviation='Vacant' paId='0' seatsHeld='2' seatsOffered='1'/>
    </Council>
  </Election>
</LocalElectionNominations>""".encode()


def result(
    revision: int = 1,
    *,
    name: str = "Adur",
    pa_id: str = ADUR,
    proportion: str = "half",
    winning: str = "C",
    sitting: str = "C",
    elected: str = "<Party name='C' seats='9'/><Party name='Lab' seats='4'/>",
    changes: str = "<Party name='C' change='+1'/><Party name='Lib' change='-2'/>",
    new: str = "<Party name='C' seats='17'/><Party name='Lab' seats='8'/>"
    "<Party name='Lib' seats='1'/><Party name='R' seats='3'/>",
) -> bytes:
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<LocalElectionResult revision='{revision}'>
  <Election date='2016-05-05' paId='82'>
    <Council name='{name}' paId='{pa_id}' type='Non-Met' proportion='{proportion}'
        winningParty='{winning}' gainOrHold='no change' sittingParty='{sitting}'>
      <ElectedCouncillors>{elected}</ElectedCouncillors>
      <Changes>{changes}</Changes>
      <NewCouncil>{new}</NewCouncil>
    </Council>
  </Election>
</LocalElectionResult>""".encode()


def eu_result(area: str, remain: int, leave: int, revision: int = 1, rush: bool = False) -> bytes:
    root = "ReferendumRush" if rush else "ReferendumResult"
    votes = lambda n: "" if rush else f" votes='{n}'"  # noqa: E731
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} revision="{revision}" declarationTime="2016-06-24T01:30:00+01:00">
  <Referendum name="EU" date="2016-06-23">
    <VotingArea number="2" name="{area}" electorate="200000">
      <Proposition text="Should the UK remain a member of the EU or leave the EU?">
        <Answer winning="{str(remain >= leave).lower()}" text="Remain a member of the EU"
            shortText="Remain"{votes(remain)}/>
        <Answer winning="{str(leave >= remain).lower()}" text="Leave the EU"
            shortText="Leave"{votes(leave)}/>
      </Proposition>
    </VotingArea>
  </Referendum>
</{root}>""".encode()


def totals(results: int, areas: int = 382) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<RunningTotals numberOfResults="{results}" totalVotingAreas="{areas}">
  <Referendum name="EU" date="2016-06-23">
    <Proposition text="Should the UK remain a member of the EU or leave the EU?">
      <Answer text="Remain a member of the EU" shortText="Remain" votingAreas="0" votes="0"/>
      <Answer text="Leave the EU" shortText="Leave" votingAreas="0" votes="0"/>
    </Proposition>
  </Referendum>
</RunningTotals>""".encode()


def poll(poller: PAPoller) -> object:
    return asyncio.run(_poll(poller))


async def _poll(poller: PAPoller) -> object:
    return await poller.poll()


def fresh(folder: Path) -> PAPoller:
    return PAPoller(f"pa:{folder}", settings=PollSettings(interval=0.1))


# The reader ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">'
        b"]><LocalElectionResult>&b;</LocalElectionResult>",
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<LocalElectionResult>&x;</LocalElectionResult>",
        b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://example.com/pa.dtd"><r/>',
    ],
    ids=["entity-expansion", "external-entity", "external-dtd"],
)
def test_entities_and_dtds_are_refused(raw: bytes) -> None:
    with pytest.raises(PADocumentError, match="DTD or entities"):
        parse_document(raw)


def test_a_document_cut_short_is_incomplete_not_bad() -> None:
    with pytest.raises(PADocumentError) as cut:
        parse_document(result()[:200])
    assert cut.value.incomplete
    with pytest.raises(PADocumentError) as bad:
        parse_document(b"<a><b></a>")
    assert not bad.value.incomplete


def test_numbers_are_strict_and_strings_sanitised() -> None:
    with pytest.raises(PADocumentError, match="seats is not a whole number"):
        parse_document(result(elected="<Party name='C' seats='1e3'/>"))
    with pytest.raises(PADocumentError, match="out of range"):
        parse_document(result(elected="<Party name='C' seats='999999999'/>"))
    document = parse_document(nominations(name="Adur&#x9b;2J&#x202e;"))
    assert is_printable(document.council)  # type: ignore[union-attr]


def test_party_and_place_mapping() -> None:
    assert party_code("C") == ("CON", True)
    assert party_code("Lib") == ("LIB", True)  # the Liberal Party, not the Liberal Democrats
    assert party_code("LD") == ("LD", True)
    assert party_code("R") == ("RA", True)
    assert party_code("Bristol 1st") == ("BRISTOL1", False)
    table = places()
    assert table.council(ADUR, "anything").code == "E07000223"  # type: ignore[union-attr]
    assert table.council(None, "Basingstoke & Deane").code == "E07000084"  # type: ignore[union-attr]
    assert table.council(None, "Weymouth & Portland").region == "E12000009"  # type: ignore[union-attr]
    assert table.council(None, "Atlantis") is None  # never guessed
    assert name_key("Kingston-upon-Hull") == name_key("Kingston upon Hull, City of")
    assert table.area("Glasgow").code == "S12000046"  # type: ignore[union-attr]


# The folder ---------------------------------------------------------------------------


def test_a_council_from_nominations_to_result_follows_pas_rules(tmp_path: Path) -> None:
    (tmp_path / "Local_Test_nominations_Adur.xml").write_bytes(nominations())
    poller = fresh(tmp_path)
    outcome = poll(poller)
    assert isinstance(outcome, Updated) and outcome.snapshot
    (council,) = poller.store.councils.values()
    assert (council.code, council.region, council.status) == ("E07000223", "E12000008", "expected")
    # Vacant seats count in the council's size, never as a party.
    assert council.total_seats == 29 and council.seats_up == 15
    assert council.composition_before == {"CON": 16, "LAB": 8, "LIB": 3}
    assert council.control_before == "CON"  # 16 of 29
    assert poller.store.election is not None and poller.store.election.test

    (tmp_path / "Local_Test_result_Adur_1.xml").write_bytes(result())
    outcome = poll(poller)
    assert isinstance(outcome, Updated) and not outcome.snapshot
    council = poller.store.councils[council.id]
    assert council.status == "declared" and council.control_after == "CON"
    assert council.seats_won == {"CON": 9, "LAB": 4}
    assert council.seats_change == {"CON": 1, "LIB": -2}  # as PA gives them
    assert council.seats_change_basis == "approximate"  # they do not net to zero
    assert council.composition_after == {"CON": 17, "LAB": 8, "LIB": 1, "RA": 3}

    # A lower revision arriving late changes nothing; a higher one replaces the result.
    (tmp_path / "Local_Test_result_Adur_0.xml").write_bytes(
        result(0, elected="<Party name='Lab' seats='13'/>")
    )
    assert isinstance(poll(poller), Unchanged)
    (tmp_path / "Local_Test_result_Adur_2.xml").write_bytes(
        result(2, winning="NOC", elected="<Party name='C' seats='6'/><Party name='Lab' seats='7'/>")
    )
    assert isinstance(poll(poller), Updated)
    council = poller.store.councils[council.id]
    assert council.control_after == "NOC" and council.seats_won == {"CON": 6, "LAB": 7}


def test_whole_council_seats_come_from_the_new_council(tmp_path: Path) -> None:
    (tmp_path / "n.xml").write_bytes(nominations(proportion="all"))
    (tmp_path / "r.xml").write_bytes(
        result(proportion="all", elected="", changes="<Party name='C' change='+3'/>")
    )
    poller = fresh(tmp_path)
    poll(poller)
    (council,) = poller.store.councils.values()
    assert council.seats_won == {"CON": 17, "LAB": 8, "LIB": 1, "RA": 3}
    assert council.seats_up == council.total_seats == 29


def test_a_half_written_file_is_retried_and_a_bad_one_rejected_by_name(tmp_path: Path) -> None:
    (tmp_path / "Local_Test_nominations_Adur.xml").write_bytes(nominations())
    growing = tmp_path / "Local_Test_result_Adur_1.xml"
    growing.write_bytes(result()[:150])
    poller = fresh(tmp_path)
    first = poll(poller)
    assert isinstance(first, Updated) and not first.changes.rejects
    growing.write_bytes(result())  # the rest of it lands
    second = poll(poller)
    assert isinstance(second, Updated) and not second.changes.rejects
    assert next(iter(poller.store.councils.values())).status == "declared"

    (tmp_path / "Local_Test_result_Worthing_1.xml").write_bytes(b"<LocalElectionResult><oops>")
    assert isinstance(poll(poller), Unchanged)  # perhaps still being written
    rejected = poll(poller)  # unchanged since: rejected, naming the file
    assert isinstance(rejected, Updated)
    (reason,) = [str(r) for r in rejected.changes.rejects]
    assert "Local_Test_result_Worthing_1.xml" in reason and "ends early" in reason
    assert isinstance(poll(poller), Unchanged)  # reported once
    assert next(iter(poller.store.councils.values())).status == "declared"  # nothing lost


def test_an_unknown_council_is_reported_not_guessed(tmp_path: Path) -> None:
    (tmp_path / "n.xml").write_bytes(nominations(name="Atlantis", pa_id="99999"))
    (tmp_path / "m.xml").write_bytes(nominations())
    poller = fresh(tmp_path)
    outcome = poll(poller)
    assert isinstance(outcome, Updated)
    assert [c.name for c in poller.store.councils.values()] == ["Adur"]
    assert any("'Atlantis'" in str(r) and "n.xml" in str(r) for r in outcome.changes.rejects)


def test_referendum_rush_result_recount_and_tie(tmp_path: Path) -> None:
    (tmp_path / "EU_running_totals_1.xml").write_bytes(totals(0))
    (tmp_path / "EU_rush_Adur_1.xml").write_bytes(eu_result("Adur", 2, 1, rush=True))
    poller = fresh(tmp_path)
    outcome = poll(poller)
    assert isinstance(outcome, Updated)
    (referendum,) = poller.store.referendums.values()
    assert referendum.counting_areas == 382  # from PA's totals
    (area,) = poller.store.counting_areas.values()
    assert area.status == "counting" and area.code == "E07000223"
    assert any("rush: Adur" in note for note in outcome.changes.notes)

    (tmp_path / "EU_result_Adur_1.xml").write_bytes(eu_result("Adur", 500, 500))  # a tie
    (tmp_path / "EU_result_Arun_1.xml").write_bytes(eu_result("Arun", 300, 700))
    poll(poller)
    from feeds.summary import as_json, summarise

    (totals_now,) = as_json(summarise(poller.store))["referendums"]
    won = {o["label"]: (o["votes"], o["areas_won"]) for o in totals_now["options"]}
    assert won == {"Remain a member of the EU": (800, 0), "Leave the EU": (1200, 1)}
    assert totals_now["areas_declared"] == 2 and not totals_now["certain"]

    recount = b"""<ReferendumRecount revision="1"><Referendum name="EU" date="2016-06-23">
        <VotingArea number="9" name="Bexley" recount="1"/></Referendum></ReferendumRecount>"""
    (tmp_path / "EU_recount_Bexley_1.xml").write_bytes(recount)
    poll(poller)
    bexley = [a for a in poller.store.counting_areas.values() if a.name == "Bexley"]
    assert [a.status for a in bexley] == ["recount"]


def test_unsupported_kinds_are_reported_once_and_skipped(tmp_path: Path) -> None:
    topup = b"<TopUpResult revision='1'><Election name='x' date='2016-05-05'/></TopUpResult>"
    (tmp_path / "a.xml").write_bytes(topup)
    (tmp_path / "b.xml").write_bytes(topup)
    (tmp_path / "n.xml").write_bytes(nominations())
    poller = fresh(tmp_path)
    outcome = poll(poller)
    assert isinstance(outcome, Updated)
    assert [n for n in outcome.changes.notes if "TopUpResult" in n] == [
        "PA TopUpResult files skipped: regional lists (Assembly and Parliament top-up seats)"
    ]


def test_a_missing_folder_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["summary", f"pa:{tmp_path / 'nowhere'}"]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert main(["watch", f"pa:{tmp_path / 'nowhere'}"]) == 2
    (tmp_path / "n.xml").write_bytes(nominations())
    poller = fresh(tmp_path)
    poll(poller)
    for path in tmp_path.iterdir():
        path.unlink()
    tmp_path.rmdir()
    failed = poll(poller)
    assert isinstance(failed, Failed) and "no such folder" in failed.reason
    assert len(poller.store.councils) == 1  # the last good state stays


# The FTP server -----------------------------------------------------------------------


@pytest.fixture
def ftp_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer

    folder = tmp_path / "ftp"
    folder.mkdir()
    authorizer = DummyAuthorizer()
    authorizer.add_user("newsroom", "s3cret", str(folder), perm="elr")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer, "banner": "PA test"})
    server = FTPServer(("127.0.0.1", 0), handler)
    port = server.socket.getsockname()[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.05}, daemon=True)
    thread.start()
    try:
        yield port, folder
    finally:
        server.close_all()
        thread.join(5)


def test_pas_ftp_server_is_polled_directly(
    ftp_server: tuple[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, folder = ftp_server
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    (folder / "Local_Test_nominations_Adur.xml").write_bytes(nominations())
    poller = PAPoller(f"ftp://newsroom@127.0.0.1:{port}/", settings=PollSettings(interval=0.1))
    assert "s3cret" not in poller.url

    async def night() -> None:
        try:
            first = await poller.poll()
            assert isinstance(first, Updated) and first.snapshot
            assert isinstance(await poller.poll(), Unchanged)
            (folder / "Local_Test_result_Adur_1.xml").write_bytes(result())
            second = await poller.poll()
            assert isinstance(second, Updated)
            (council,) = poller.store.councils.values()
            assert council.status == "declared"
        finally:
            await poller.aclose()

    asyncio.run(night())


def test_a_refused_ftp_login_is_a_clear_failure(
    ftp_server: tuple[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, _ = ftp_server
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    poller = PAPoller(f"ftp://newsroom@127.0.0.1:{port}/")
    outcome = poll(poller)
    assert isinstance(outcome, Failed)
    assert "FTP refused" in outcome.reason and "wrong" not in outcome.reason


# serve pa:DIR -------------------------------------------------------------------------


def test_serve_makes_a_pa_folder_a_feed_any_app_follows(tmp_path: Path) -> None:
    from feeds.client import FeedPoller, poll_forever
    from feeds.live_server import LiveFeed, create_live_app
    from feeds.replay_server import ServerThread

    (tmp_path / "Local_Test_nominations_Adur.xml").write_bytes(nominations())
    source = PAPoller(f"pa:{tmp_path}", settings=PollSettings(interval=0.05, min_interval=0.01))
    app = create_live_app(LiveFeed(source, poll_after=0.05))

    async def follow(url: str) -> None:
        viewer = FeedPoller(url, settings=PollSettings(interval=0.05, min_interval=0.01))
        try:

            async def until(condition) -> object:  # noqa: ANN001
                # The app's own poll loop, until an answer shows what is awaited.
                stop, seen = asyncio.Event(), []

                def take(outcome: object) -> None:
                    if condition(outcome):
                        seen.append(outcome)
                        stop.set()

                await asyncio.wait_for(poll_forever(viewer, take, stop), 20)
                return seen[0]

            first = await until(lambda o: isinstance(o, Updated))
            assert first.snapshot  # type: ignore[attr-defined]
            assert [c.status for c in viewer.store.councils.values()] == ["expected"]
            (tmp_path / "Local_Test_result_Adur_1.xml").write_bytes(result())
            second = await until(lambda o: isinstance(o, Updated) and o.changes.councils)
            assert not second.snapshot  # type: ignore[attr-defined]
            (council,) = viewer.store.councils.values()
            assert council.status == "declared" and council.seats_won == {"CON": 9, "LAB": 4}
        finally:
            await viewer.aclose()

    with ServerThread(app, lifespan="on") as server:
        asyncio.run(follow(f"{server.url}/feed"))


def test_gibraltar_counts_though_it_has_no_gss_code(tmp_path: Path) -> None:
    (tmp_path / "EU_result_Gibraltar_1.xml").write_bytes(eu_result("Gibraltar", 19322, 823))
    poller = fresh(tmp_path)
    poll(poller)
    (area,) = poller.store.counting_areas.values()
    assert (area.code, area.region, area.status) == ("GI", "E12000009", "declared")
    assert sum(area.votes.values()) == 20145


def test_pa_places_table_is_built_from_shared_data() -> None:
    from scripts.build_pa_places import build
    from tests.conftest import SHARED_DATA

    if not (SHARED_DATA / "pa").is_dir():
        pytest.skip("../shared/data/pa is not beside this checkout")
    from feeds.pa_places import TABLE

    assert build(SHARED_DATA) == TABLE.read_bytes(), "run scripts/build_pa_places.py"
