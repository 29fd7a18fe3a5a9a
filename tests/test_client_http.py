"""The poller against a real HTTP server on 127.0.0.1 (faults.md, network cases 1-16)."""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import json
import socket
import time
import zlib

import pytest

from feeds.client import FeedPoller, poll_forever
from feeds.http_answers import parse_retry_after
from feeds.polling import (
    Dropped,
    Failed,
    FeedConfigError,
    PollSettings,
    Unchanged,
    Updated,
    check_feed_url,
)
from tests import factories as f
from tests.faultserver import FaultServer, Reply, Seen

FAST = PollSettings(interval=2.0, deadline=1.0, max_backoff=60.0, min_interval=0.5)


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def poller(server: FaultServer, settings: PollSettings = FAST, **kw: object) -> FeedPoller:
    return FeedPoller(server.url, settings=settings, jitter=lambda: 1.0, **kw)  # type: ignore[arg-type]


async def test_200_snapshot_applies_and_reports_changed_ids(fault_server: FaultServer) -> None:
    fault_server.script(Reply.json(f.body(f.snapshot(seq=4)), headers={"ETag": '"a"'}))
    p = poller(fault_server)
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Updated)
    assert outcome.snapshot and outcome.seq == 4
    assert set(outcome.changes.councils) == {"local.barnet.2022-05-05"}
    assert p.store.councils["local.barnet.2022-05-05"].control_after == "LAB"
    assert outcome.next_poll == pytest.approx(2.0)


async def test_304_with_etag_is_unchanged_not_an_error(fault_server: FaultServer) -> None:
    fault_server.script(
        Reply.json(f.body(f.snapshot(seq=4)), headers={"ETag": '"v4"'}),
        Reply(status=304, headers={"ETag": '"v4"'}),
    )
    p = poller(fault_server)
    first = await p.poll()
    second = await p.poll()
    await p.aclose()
    assert isinstance(first, Updated)
    assert isinstance(second, Unchanged)
    assert fault_server.requests[1].headers["if-none-match"] == '"v4"'
    assert fault_server.requests[1].target == "/feed?since=4"
    assert p.status.failures == 0 and p.status.not_modified == 1
    assert len(p.store.councils) == 1


async def test_304_without_an_earlier_answer_is_a_failure(fault_server: FaultServer) -> None:
    fault_server.script(Reply(status=304))
    p = poller(fault_server)
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Failed)
    assert "304" in outcome.reason


async def test_5xx_backs_off_exponentially_keeps_state_and_recovers(
    fault_server: FaultServer,
) -> None:
    fault_server.script(
        Reply.json(f.body(f.snapshot(seq=1))),
        Reply(status=500, body=b"oops"),
        Reply(
            status=502,
            body=b"<!DOCTYPE html><html><title>502</title></html>",
            headers={"Content-Type": "text/html"},
        ),
        Reply(status=500),
        Reply.json(f.body(f.changes(2, 1, councils=[f.council(revision=2, after="CON")]))),
    )
    p = poller(fault_server)
    assert isinstance(await p.poll(), Updated)
    waits = []
    reasons = []
    for _ in range(3):
        outcome = await p.poll()
        assert isinstance(outcome, Failed)
        waits.append(outcome.next_poll)
        reasons.append(outcome.reason)
        assert p.store.councils["local.barnet.2022-05-05"].control_after == "LAB"
    assert waits == [2.0, 4.0, 8.0]
    assert reasons[0] == "HTTP 500 Internal Server Error"
    assert reasons[1] == "HTTP 502 Bad Gateway (HTML error page)"
    recovered = await p.poll()
    await p.aclose()
    assert isinstance(recovered, Updated)
    assert p.status.failures == 0 and p.status.last_error is None
    assert p.store.councils["local.barnet.2022-05-05"].control_after == "CON"


async def test_backoff_has_jitter_and_a_ceiling() -> None:
    p = FeedPoller(
        "http://127.0.0.1:9/feed",
        settings=PollSettings(interval=5, max_backoff=60),
        jitter=lambda: 0.0,
    )
    assert p._backoff(1, None) == 2.5  # half of the interval at the lowest jitter
    assert p._backoff(20, None) == 30.0  # half of the ceiling


async def test_connection_refused_backs_off_and_says_so() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    p = FeedPoller(f"http://127.0.0.1:{port}/feed", settings=FAST, jitter=lambda: 1.0)
    first = await p.poll()
    second = await p.poll()
    await p.aclose()
    assert isinstance(first, Failed) and isinstance(second, Failed)
    assert first.reason == "cannot connect (refused or unreachable)"
    assert second.next_poll > first.next_poll
    assert p.is_stale()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", 7.0),
        ("0", 0.5),  # clamped to the floor
        ("999999999", 600.0),  # clamped to the ceiling
        ("nan", None),
        ("garbage", None),
        ("-5", None),
        ("", None),
    ],
)
async def test_429_retry_after_seconds_and_garbage(
    fault_server: FaultServer, header: str, expected: float | None
) -> None:
    fault_server.script(Reply(status=429, headers={"Retry-After": header}))
    p = poller(fault_server)
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Failed)
    assert outcome.reason == "HTTP 429 Too Many Requests"
    if expected is None:
        assert outcome.next_poll == 2.0  # ordinary backoff, the header ignored
    else:
        assert outcome.next_poll == expected


async def test_503_retry_after_http_date(fault_server: FaultServer) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    fault_server.script(Reply(status=503, headers={"Retry-After": when}))
    p = poller(fault_server)
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Failed)
    assert 25 <= outcome.next_poll <= 31


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("120") == 120
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=lambda: 1445412480 - 60) == 60
    assert parse_retry_after("1e400") is None
    assert parse_retry_after("inf") is None
    assert parse_retry_after("x" * 1000) is None
    assert parse_retry_after(None) is None


async def test_sequence_gap_takes_the_snapshot_again(fault_server: FaultServer) -> None:
    fault_server.script(
        Reply.json(f.body(f.snapshot(seq=5))),
        Reply.json(f.body(f.changes(9, 7, councils=[f.council(revision=3)]))),
        Reply.json(f.body(f.snapshot(seq=9, councils=[f.council(revision=3, after="LD")]))),
    )
    p = poller(fault_server)
    await p.poll()
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Updated) and outcome.snapshot
    assert [r.target for r in fault_server.requests] == ["/feed", "/feed?since=5", "/feed"]
    assert p.store.seq == 9
    assert p.store.councils["local.barnet.2022-05-05"].control_after == "LD"


async def test_redirect_to_another_host_is_refused(fault_server: FaultServer) -> None:
    fault_server.script(Reply(status=302, headers={"Location": "http://127.0.0.2:1/feed"}))
    p = FeedPoller(
        fault_server.url,
        settings=PollSettings(auth_header="X-Api-Key", auth_env="EN_TEST_KEY"),
    )
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Failed)
    assert outcome.reason == "redirect to another host refused"
    assert len(fault_server.requests) == 1


async def test_same_host_redirect_is_followed(fault_server: FaultServer) -> None:
    fault_server.script(
        Reply(status=301, headers={"Location": "/v2/feed"}),
        Reply.json(f.body(f.snapshot(seq=1))),
    )
    p = poller(fault_server)
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Updated)
    assert fault_server.requests[1].target == "/v2/feed"


async def test_redirect_loop_is_caught(fault_server: FaultServer) -> None:
    fault_server.script(Reply(status=302, headers={"Location": "/feed"}))
    p = poller(fault_server)
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Failed) and outcome.reason == "too many redirects"


async def test_auth_header_from_environment_is_sent_and_never_shown(
    fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EN_TEST_KEY", "s3cret-value")
    fault_server.script(Reply.json(f.body(f.snapshot())))
    p = FeedPoller(
        fault_server.url, settings=PollSettings(auth_header="X-Api-Key", auth_env="EN_TEST_KEY")
    )
    await p.poll()
    await p.aclose()
    assert fault_server.requests[0].headers["x-api-key"] == "s3cret-value"
    assert "s3cret" not in repr(p) and "s3cret" not in repr(p.settings)


async def test_size_cap_on_plain_body(fault_server: FaultServer) -> None:
    big = f.body(f.snapshot(note="x" * 50_000))
    fault_server.script(Reply.json(big, send_length=False))
    p = poller(fault_server, PollSettings(max_body_bytes=10_000, deadline=2))
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Failed) and "limit" in outcome.reason


async def test_gzip_bomb_stops_at_the_cap(fault_server: FaultServer) -> None:
    bomb = gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 200_000
    fault_server.script(Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    p = poller(fault_server, PollSettings(max_body_bytes=1024 * 1024, deadline=5))
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Failed) and "limit" in outcome.reason


async def test_gzip_body_within_cap_is_read(fault_server: FaultServer) -> None:
    fault_server.script(Reply.gzip(f.body(f.snapshot(seq=3))))
    p = poller(fault_server)
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Updated) and outcome.seq == 3


async def test_corrupt_gzip_is_reported(fault_server: FaultServer) -> None:
    fault_server.script(
        Reply(body=b"\x1f\x8b\x08\x00garbage-not-deflate", headers={"Content-Encoding": "gzip"})
    )
    p = poller(fault_server)
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Failed) and "corrupt" in outcome.reason


async def test_truncated_gzip_is_reported(fault_server: FaultServer) -> None:
    packed = zlib.compressobj(wbits=31)
    data = packed.compress(f.body(f.snapshot())) + packed.flush()
    fault_server.script(Reply(body=data[: len(data) - 12], headers={"Content-Encoding": "gzip"}))
    p = poller(fault_server)
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Failed)


async def test_trickling_body_is_ended_by_the_total_deadline(fault_server: FaultServer) -> None:
    fault_server.script(Reply.json(f.body(f.snapshot()), trickle=0.05))
    p = poller(fault_server, PollSettings(deadline=0.5))
    started = time.monotonic()
    outcome = await p.poll()
    elapsed = time.monotonic() - started
    await p.aclose()
    assert isinstance(outcome, Failed)
    assert outcome.reason == "no complete answer within the deadline"
    assert elapsed < 3  # a per-read timeout alone would take minutes


async def test_server_that_never_answers_hits_the_deadline(fault_server: FaultServer) -> None:
    fault_server.script(Reply(hang=True))
    p = poller(fault_server, PollSettings(deadline=0.3))
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Failed) and "deadline" in outcome.reason


@pytest.mark.parametrize("chunked", [False, True])
async def test_body_cut_short_with_a_length_applies_nothing(
    fault_server: FaultServer, chunked: bool
) -> None:
    full = f.body(f.snapshot())
    fault_server.script(Reply.json(full, cut_at=len(full) // 2, chunked=chunked))
    p = poller(fault_server)
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Failed)
    assert p.store.councils == {}


async def test_body_cut_short_without_length_fails_validation_whole(
    fault_server: FaultServer,
) -> None:
    full = f.body(f.snapshot(councils=[f.council(), f.council("brent", "E09000005")]))
    fault_server.script(Reply.json(full, send_length=False, cut_at=len(full) - 40))
    p = poller(fault_server)
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Failed) and "not JSON" in outcome.reason
    assert p.store.councils == {}


async def test_idle_keepalive_closed_by_server_is_retried_once(fault_server: FaultServer) -> None:
    # The server keeps the first connection alive, then drops it when the next request
    # arrives on it (as a server closing an idle connection at that moment does).
    fault_server.script(
        Reply.json(f.body(f.snapshot(seq=1)), keep_alive=True),
        Reply(drop_unanswered=True),
        Reply.json(f.body(f.changes(2, 1, councils=[f.council(revision=2)]))),
    )
    p = poller(fault_server)
    first = await p.poll()
    second = await p.poll()
    await p.aclose()
    assert isinstance(first, Updated)
    assert isinstance(second, Updated), second
    assert p.status.failures == 0
    assert len(fault_server.requests) == 3 and fault_server.connections == 2


async def test_200_with_no_changes_clears_nothing(fault_server: FaultServer) -> None:
    fault_server.script(
        Reply.json(f.body(f.snapshot(seq=1))),
        Reply.json(f.body(f.changes(1, 1))),
        Reply.json(f.body(f.snapshot(seq=2, councils=[]))),
    )
    p = poller(fault_server)
    await p.poll()
    second = await p.poll()
    third = await p.poll()
    await p.aclose()
    assert isinstance(second, Updated) and second.changes.empty
    assert isinstance(third, Updated)
    assert list(p.store.councils) == ["local.barnet.2022-05-05"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "", "application/octet-stream"]
)
async def test_content_type_does_not_decide(fault_server: FaultServer, content_type: str) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    fault_server.script(Reply(body=f.body(f.snapshot()), headers=headers))
    p = poller(fault_server)
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Updated)


async def test_xml_error_body_with_200_is_never_data(fault_server: FaultServer) -> None:
    fault_server.script(
        Reply(
            body=b"<?xml version='1.0'?><error>[bold]down</error>",
            headers={"Content-Type": "application/json"},
        )
    )
    p = poller(fault_server)
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Failed)
    assert outcome.reason == "answer is HTML or XML, not a feed"


async def test_older_answer_is_dropped(fault_server: FaultServer) -> None:
    fault_server.script(
        Reply.json(f.body(f.snapshot(seq=10, councils=[f.council(revision=5)]))),
        Reply.json(f.body(f.snapshot(seq=8, councils=[f.council(revision=4, after="CON")]))),
    )
    p = poller(fault_server)
    await p.poll()
    p._need_snapshot = True  # ask for a snapshot again, as after a gap
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Dropped) and outcome.reason.startswith("older answer dropped")
    assert p.store.seq == 10
    assert p.store.councils["local.barnet.2022-05-05"].revision == 5


async def test_a_dropped_answer_is_not_an_update(fault_server: FaultServer) -> None:
    fault_server.script(Reply.json(f.body(f.snapshot(seq=10))), Reply.json(f.body(f.changes(8, 7))))
    clock = FakeMonotonic()
    p = poller(fault_server, monotonic=clock)
    await p.poll()
    clock.now += 100
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Dropped)
    assert p.status.last_success == 1000.0  # freshness is not renewed by it


async def test_a_feed_stuck_below_a_wrong_high_seq_is_taken_as_a_restart(
    fault_server: FaultServer,
) -> None:
    """One answer with a huge seq once made every later answer 'older', dropped silently,
    while the status said "updated 0 s ago". Several lower answers in a row are a restart."""
    high = f.snapshot(seq=2**40, councils=[f.council(revision=9, after="LD")])
    normal = f.changes(51, 50, councils=[f.council(revision=2, after="CON")])
    fresh = f.snapshot(seq=52, councils=[f.council(revision=2, after="CON")])

    def answer(seen: Seen) -> Reply:
        if "since=" in seen.target:
            return Reply.json(f.body(normal))
        return Reply.json(f.body(fresh))

    fault_server.script(Reply.json(f.body(high)), answer)
    p = poller(fault_server)
    assert isinstance(await p.poll(), Updated)
    outcomes = [await p.poll() for _ in range(3)]
    await p.aclose()
    assert [type(o) for o in outcomes] == [Dropped, Dropped, Updated]
    restart = outcomes[2]
    assert isinstance(restart, Updated) and restart.changes.reset and restart.snapshot
    assert "taken as a restart" in restart.changes.notes[0]
    assert p.store.seq == 52
    assert p.store.councils["local.barnet.2022-05-05"].control_after == "CON"
    # The fresh snapshot was asked for without a validator from another document.
    assert "if-none-match" not in {k.lower() for k in fault_server.requests[-1].headers}


async def test_changes_where_the_whole_state_was_asked_for_are_refused(
    fault_server: FaultServer,
) -> None:
    fault_server.script(Reply.json(f.body(f.changes(5, 4))), Reply.json(f.body(f.snapshot(6))))
    p = poller(fault_server)
    first = await p.poll()
    second = await p.poll()
    await p.aclose()
    assert isinstance(first, Failed) and "asked for the whole state" in first.reason
    assert isinstance(second, Updated) and p.store.seq == 6


@pytest.mark.parametrize(
    "error",
    [
        OverflowError("date value out of range"),
        ImportError("Using SOCKS proxy, but the 'socksio' package is not installed."),
        ExceptionGroup("transport", [OSError("a"), RuntimeError("b")]),
        RuntimeError("a bug"),
    ],
    ids=["overflow", "import", "group", "bug"],
)
async def test_any_exception_in_a_poll_is_a_clean_failure_and_polling_goes_on(
    fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    import feeds.parse

    real = feeds.parse.parse_answer
    calls = 0

    def flaky(raw: bytes | str) -> object:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise error
        return real(raw)

    monkeypatch.setattr(feeds.parse, "parse_answer", flaky)
    fault_server.script(Reply.json(f.body(f.snapshot())))
    p = poller(fault_server)
    stop = asyncio.Event()
    seen: list[object] = []

    def on_outcome(outcome: object) -> None:
        seen.append(outcome)
        if len(seen) == 2:
            stop.set()

    await asyncio.wait_for(poll_forever(p, on_outcome, stop), 10)
    await p.aclose()
    assert isinstance(seen[0], Failed)
    assert seen[0].reason == f"internal error ({type(error).__name__}); will retry"
    assert isinstance(seen[1], Updated)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:99999/feed", "ftp://127.0.0.1/feed", "http:///feed", "nonsense"]
)
def test_feed_urls_that_can_never_work_are_refused_before_polling(url: str) -> None:
    with pytest.raises(FeedConfigError):
        check_feed_url(url)


async def test_a_bad_port_in_a_poll_is_a_clean_failure() -> None:
    p = FeedPoller("http://127.0.0.1:99999/feed", settings=FAST)
    outcome = await p.poll()
    await p.aclose()
    assert isinstance(outcome, Failed) and outcome.reason.startswith("not a usable feed URL")


async def test_proxies_from_the_environment_are_never_used(
    fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With HTTP_PROXY set, the proxy once received the Authorization header; a SOCKS proxy
    there ended polling with an ImportError."""
    with FaultServer(Reply.json(b"{}")) as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1")
        monkeypatch.setenv("FEED_KEY", "secret-token")
        fault_server.script(Reply.json(f.body(f.snapshot())))
        settings = PollSettings(deadline=2, auth_header="Authorization", auth_env="FEED_KEY")
        p = poller(fault_server, settings)
        outcome = await p.poll()
        await p.aclose()
        assert isinstance(outcome, Updated)
        assert proxy.requests == []
    assert fault_server.requests[0].headers.get("authorization") == "secret-token"


async def test_an_explicit_proxy_is_used_and_auth_is_refused_over_plain_http(
    fault_server: FaultServer,
) -> None:
    with FaultServer(Reply.json(f.body(f.snapshot()))) as proxy:
        settings = PollSettings(deadline=2, proxy=f"http://127.0.0.1:{proxy.port}")
        p = poller(fault_server, settings)
        outcome = await p.poll()
        await p.aclose()
        assert isinstance(outcome, Updated) and len(proxy.requests) == 1
        assert fault_server.requests == []
    with pytest.raises(FeedConfigError, match="proxy"):
        check_feed_url(
            fault_server.url,
            PollSettings(proxy="http://127.0.0.1:1", auth_header="Authorization", auth_env="K"),
        )


async def test_server_poll_after_is_honoured_within_bounds(fault_server: FaultServer) -> None:
    fault_server.script(
        Reply.json(f.body(f.snapshot(seq=1, poll_after=12.5))),
        Reply.json(f.body(f.changes(2, 1, poll_after=0.0))),
    )
    p = poller(fault_server)
    first = await p.poll()
    second = await p.poll()
    await p.aclose()
    assert isinstance(first, Updated) and first.next_poll == 12.5
    assert isinstance(second, Updated) and second.next_poll == 2.0  # 0 means "no hint"


async def test_stale_after_a_long_outage_from_a_monotonic_clock(fault_server: FaultServer) -> None:
    now = [1000.0]
    fault_server.script(Reply.json(f.body(f.snapshot())), Reply(status=503))
    p = FeedPoller(fault_server.url, settings=PollSettings(interval=5), monotonic=lambda: now[0])
    await p.poll()
    assert not p.is_stale()
    now[0] += 14 * 60
    await p.poll()
    await p.aclose()
    assert p.is_stale()
    assert p.store.councils  # data kept


async def test_one_request_in_flight(fault_server: FaultServer) -> None:
    """Polls run one after another; the server never sees two connections at once."""
    fault_server.script(Reply.json(f.body(f.snapshot())))
    p = poller(fault_server)
    for _ in range(5):
        await p.poll()
    await p.aclose()
    assert len(fault_server.requests) == 5


def test_json_body_helper_roundtrip() -> None:
    assert json.loads(f.body(f.snapshot()))["kind"] == "snapshot"


async def test_dns_failure_is_a_clean_failure_that_backs_off() -> None:
    # ".invalid" never resolves (RFC 2606); whether the resolver fails at once or is cut off
    # by the deadline, the poll fails cleanly and says so.
    p = FeedPoller(
        "http://feed.invalid/feed", settings=PollSettings(deadline=2.0), jitter=lambda: 1.0
    )
    first = await p.poll()
    second = await p.poll()
    await p.aclose()
    assert isinstance(first, Failed) and isinstance(second, Failed)
    assert first.reason in (
        "cannot connect (refused or unreachable)",
        "no complete answer within the deadline",
    )
    assert second.next_poll > first.next_poll
