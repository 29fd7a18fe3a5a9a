"""The live feed client: one poll at a time, conditional, bounded, and impossible to crash.

Each ``FeedPoller.poll()`` makes at most a few requests under one total deadline and returns
plain data: ``Updated`` (with exactly what changed), ``Unchanged`` or ``Failed`` (with a short
clean reason and when to try again). The caller schedules the next poll when this one ends,
so there is never more than one request in flight.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from feeds.answer import Answer, FeedError
from feeds.http_answers import (
    BodyReader,
    RetryLater,
    body_hint,
    clean_http_error,
    parse_retry_after,
    same_origin,
    status_reason,
)
from feeds.polling import (
    Dropped,
    Failed,
    FeedConfigError,
    Poller,
    PollerHealth,
    PollerStatus,
    PollOutcome,
    PollSettings,
    Unchanged,
    Updated,
    check_feed_url,
)
from feeds.store import ResultsStore

if TYPE_CHECKING:
    import httpx

# httpx is imported where it is used: importing it (with its CLI's dependencies) costs about
# 0.3 s, which the app's first frame should not wait for.

_log = logging.getLogger(__name__)

USER_AGENT = "election-night/0.1 (+https://github.com/election-night)"


class FeedPoller(PollerHealth):
    """Polls one feed URL into a ``ResultsStore``. Create and use it on one event loop."""

    def __init__(
        self,
        url: str,
        store: ResultsStore | None = None,
        *,
        settings: PollSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.url = url
        self.store = store if store is not None else ResultsStore()
        self.settings = settings or PollSettings()
        self.status = PollerStatus()
        self._transport = transport
        self._monotonic = monotonic
        self._jitter = jitter
        self._client: httpx.AsyncClient | None = None
        self._etag: str | None = None
        self._etag_of: str | None = None  # the URL the ETag was given for: sent only to it
        self._changes_path: str | None = None  # a static feed's changes files, from its snapshot
        self._need_snapshot = True
        self._server_interval: float | None = None
        self._lower_seq_answers = 0
        self._config_error: str | None = None
        try:
            check_feed_url(url, self.settings)
        except FeedConfigError as error:
            self._config_error = str(error)
        self._headers = {
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
            "User-Agent": USER_AGENT,
        }
        if self.settings.auth_header and self.settings.auth_env:
            secret = os.environ.get(self.settings.auth_env)
            if secret:
                self._headers[self.settings.auth_header] = secret

    def __repr__(self) -> str:  # never show the auth header
        return f"FeedPoller(url={self.url!r})"

    @property
    def auth_configured(self) -> bool:
        return self.settings.auth_header is not None and self.settings.auth_header in self._headers

    def _client_for_loop(self) -> httpx.AsyncClient:
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self._transport,
                # Plain http never uses TLS; skipping the CA bundle saves ~150 ms at start.
                # Redirects leave the origin never, so an https feed always verifies.
                verify=urlsplit(self.url).scheme != "http",
                follow_redirects=False,
                timeout=httpx.Timeout(self.settings.deadline),
                headers=self._headers,
                limits=httpx.Limits(max_connections=4, max_keepalive_connections=2),
                trust_env=False,
                proxy=self.settings.proxy,
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def next_interval(self) -> float:
        """The longer of the interval asked for and the feed's ``poll_after``: a feed that
        asks to be polled less often is obeyed, one that asks for more is not followed below
        what the user chose."""
        asked = self.settings.interval
        server = self._server_interval
        interval = asked if server is None else max(asked, server)
        if server is not None and server > asked:
            self.status.interval_note = (
                f"the feed asks to be polled every {server:g} s, less often than every "
                f"{asked:g} s: polling every {server:g} s"
            )
        else:
            self.status.interval_note = None
        return max(self.settings.min_interval, interval)

    def _backoff(self, failures: int, wait: float | None) -> float:
        if wait is not None:
            return min(max(wait, self.settings.min_interval), self.settings.max_retry_after)
        growth = 2.0 ** min(failures - 1, 16)
        base = min(self.settings.max_backoff, self.settings.interval * growth)
        return max(self.settings.min_interval, base * (0.5 + 0.5 * self._jitter()))

    async def poll(self) -> PollOutcome:
        """One poll. Never raises for anything the network or the feed can do."""
        import httpx

        self.status.polls += 1
        self.status.last_attempt = self._monotonic()
        if self._config_error is not None:
            return self._failed(self._config_error, None)
        try:
            async with asyncio.timeout(self.settings.deadline):
                outcome = await self._poll_once()
        except TimeoutError:
            return self._failed("no complete answer within the deadline", None)
        except RetryLater as retry:
            return self._failed(str(retry), retry.wait)
        except FeedError as error:
            return self._failed(str(error), None)
        except httpx.HTTPError as error:
            return self._failed(clean_http_error(error), None)
        except httpx.InvalidURL:
            return self._failed("the feed URL is not valid", None)
        except (OSError, ValueError) as error:
            return self._failed(f"network error ({type(error).__name__})", None)
        except Exception as error:  # noqa: BLE001 - a poll must never end polling
            # A bug, an ImportError from a transport, an ExceptionGroup: reported as ours,
            # with its type only (its text may quote the feed), and the next poll goes ahead.
            _log.debug("internal error in a poll", exc_info=True)
            return self._failed(f"internal error ({type(error).__name__}); will retry", None)
        if isinstance(outcome, Dropped):
            return outcome  # an answer, but not a success: freshness is not renewed
        self._succeeded()
        return outcome

    def _failed(self, reason: str, wait: float | None) -> Failed:
        failures = self._count_failure(reason)
        return Failed(reason, self._backoff(failures, wait), failures)

    async def _poll_once(self) -> PollOutcome:
        # Here, not at the top: the validation layer (pydantic) loads after the first frame.
        from feeds.parse import parse_answer

        store = self.store
        snapshot = self._need_snapshot or store.seq is None
        if not snapshot and self._changes_path is not None and store.seq is not None:
            # A static feed: the changes after our seq are a file of their own.
            target = urljoin(self.url, f"{self._changes_path}{store.seq}.json")
            status, body = await self._fetch(None, conditional=True, url=target, missing_ok=True)
            if status == 404:  # fallen behind the files kept: the whole state again
                return self._apply(await self._fresh_snapshot())
        else:
            status, body = await self._fetch(None if snapshot else store.seq, conditional=True)
        if status == 304:
            if self._etag is None or store.seq is None:
                raise FeedError("304 Not Modified without an earlier answer")
            self.status.not_modified += 1
            return Unchanged(self.next_interval())
        answer = parse_answer(body)
        if snapshot:
            self._require_snapshot(answer)
        if store.seq is not None and answer.epoch != store.epoch:
            # The feed rewrote its history (a replay seeking back): start again from a snapshot.
            if answer.kind == "changes":
                answer = await self._fresh_snapshot()
            return self._restart(answer, "the feed restarted its history")
        if answer.kind == "changes" and store.seq is not None:
            if answer.since is not None and answer.since > store.seq:
                # A gap: changes we never saw. Take the whole state again.
                self._need_snapshot = True
                answer = await self._fresh_snapshot()
        if store.seq is not None and answer.seq < store.seq:
            return await self._lower_seq(answer)
        self._lower_seq_answers = 0
        return self._apply(answer)

    async def _fresh_snapshot(self) -> Answer:
        """The whole state, asked for unconditionally: a validator from another document (the
        changes just read) must never make the server answer 304 for it."""
        from feeds.parse import parse_answer

        status, body = await self._fetch(None, conditional=False)
        if status == 304:
            raise FeedError("304 Not Modified for a fresh snapshot")
        answer = parse_answer(body)
        self._require_snapshot(answer)
        return answer

    def _require_snapshot(self, answer: Answer) -> None:
        """Changes where the whole state was asked for cannot be applied: the state they
        follow is not the one held (or none is)."""
        if answer.kind != "snapshot":
            self._need_snapshot = True
            raise FeedError("asked for the whole state, the feed answered with changes")

    async def _lower_seq(self, answer: Answer) -> PollOutcome:
        """An answer older than the state held. Once, it is an out-of-order answer and is
        dropped; several in a row mean the feed restarted from a lower seq (or an earlier
        answer's seq was wrong): the whole state is taken again and that is logged."""
        store = self.store
        assert store.seq is not None
        self._lower_seq_answers += 1
        if self._lower_seq_answers < self.settings.restart_after:
            self._server_interval = answer.poll_after
            return Dropped(
                f"older answer dropped (seq {answer.seq} after {store.seq})", self.next_interval()
            )
        held = store.seq
        if answer.kind != "snapshot":
            answer = await self._fresh_snapshot()
        return self._restart(
            answer,
            f"the feed went back to seq {answer.seq} from {held} on "
            f"{self.settings.restart_after} answers in a row: taken as a restart",
        )

    def _restart(self, answer: Answer, why: str) -> PollOutcome:
        self.store.clear()
        self._lower_seq_answers = 0
        outcome = self._apply(answer)
        if isinstance(outcome, Updated):
            outcome.changes.reset = True
            outcome.changes.notes.append(why)
        return outcome

    def _apply(self, answer: Answer) -> PollOutcome:
        store = self.store
        self._server_interval = answer.poll_after
        if answer.kind == "snapshot":
            path = answer.changes_path
            if path is not None and not same_origin(self.url, urljoin(self.url, path)):
                path = None
            self._changes_path = path
        changes = store.apply(answer)
        self._need_snapshot = False
        self.status.rejected_records += len(changes.rejects)
        if answer.kind == "snapshot":
            self.status.snapshots += 1
        return Updated(changes, answer.seq, answer.kind == "snapshot", self.next_interval())

    async def _fetch(
        self,
        since: int | None,
        *,
        conditional: bool,
        url: str | None = None,
        missing_ok: bool = False,
    ) -> tuple[int, bytes]:
        """GET the feed (following same-origin redirects only) and read a capped body."""
        import httpx

        client = self._client_for_loop()
        url = url or self.url
        params = {"since": str(since)} if since is not None else None
        asked = url  # the resource: the feed (whatever its since), or one static changes file
        # A validator is only ever sent back to the resource that gave it: two static files
        # can share an ETag (nginx's is the time and size) without sharing their contents.
        send_etag = self._etag and conditional and self._etag_of == asked
        headers = {"If-None-Match": self._etag} if send_etag and self._etag else {}
        for _ in range(self.settings.max_redirects + 1):
            for attempt in (1, 2):
                try:
                    status, body, location, etag, retry = await self._request(
                        client, url, params, headers
                    )
                    break
                except (httpx.RemoteProtocolError, httpx.ReadError):
                    # A pooled keep-alive connection the server already closed: retry once.
                    if attempt == 2:
                        raise
            if location is None:
                if status in (429, 503):
                    raise RetryLater(status_reason(status), retry)
                if status == 304:
                    return status, b""
                if status == 404 and missing_ok:
                    return status, b""
                if status != 200:
                    raise FeedError(status_reason(status) + body_hint(body))
                if etag:
                    self._etag, self._etag_of = etag, asked
                return status, body
            target = urljoin(url, location)
            if not same_origin(self.url, target):
                raise FeedError("redirect to another host refused")
            url = target
        raise FeedError("too many redirects")

    async def _request(
        self,
        client: httpx.AsyncClient,
        url: str,
        params: dict[str, str] | None,
        headers: dict[str, str],
    ) -> tuple[int, bytes, str | None, str | None, float | None]:
        request = client.build_request("GET", url, params=params, headers=headers)
        response = await client.send(request, stream=True)
        try:
            status = response.status_code
            if 300 <= status < 400 and status != 304:
                location = response.headers.get("Location")
                if not location:
                    raise FeedError(f"{status_reason(status)} without a Location")
                return status, b"", location, None, None
            retry = parse_retry_after(response.headers.get("Retry-After"))
            reader = BodyReader(
                response.headers.get("Content-Encoding", ""), self.settings.max_body_bytes
            )
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > self.settings.max_body_bytes:
                raise FeedError(
                    f"answer is larger than the {self.settings.max_body_bytes // 1024} KiB limit"
                )
            async for chunk in response.aiter_raw():
                reader.feed(chunk)
            body = reader.finish() if status != 304 else b""
            return status, body, None, response.headers.get("ETag"), retry
        finally:
            await response.aclose()


async def poll_forever(
    poller: Poller,
    on_outcome: Callable[[PollOutcome], None],
    stop: asyncio.Event,
    report: Callable[[str], None] = _log.error,
) -> None:
    """Poll until ``stop`` is set, waiting each time as long as the last outcome asks.

    The next poll is scheduled only when the previous one has finished, so there is never
    more than one request in flight however slow the feed is.
    """
    while not stop.is_set():
        outcome = await poller.poll()
        try:
            on_outcome(outcome)
        except Exception as error:  # noqa: BLE001 - a bug in handling one answer
            # Logged as ours, and polling goes on: one bad answer never ends a recording.
            report(f"internal error handling an answer ({type(error).__name__}); polling goes on")
        if stop.is_set():
            return
        try:
            await asyncio.wait_for(stop.wait(), timeout=outcome.next_poll)
        except TimeoutError:
            pass
