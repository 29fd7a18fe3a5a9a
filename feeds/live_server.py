"""A live source served as the project's HTTP feed: ``serve pa:DIR`` (or ``ftp://…``).

One process reads PA's folder or FTP server; any number of apps follow it over HTTP with
``watch http://…/feed``, by snapshot and changes-since like every feed. The poll loop runs in
the server's own event loop, one poll at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from feeds.client import poll_forever
from feeds.models import FORMAT
from feeds.pollers import Poller
from feeds.polling import Failed, PollOutcome, Updated
from feeds.recording_writer import state_body
from feeds.replay import changed_keys, changes_body
from feeds.replay_server import LOOPBACK_HOSTS

_log = logging.getLogger(__name__)


class LiveFeed:
    """The poller's state as feed answers: the snapshot, and the changes after any seq."""

    def __init__(self, poller: Poller, *, poll_after: float | None = None) -> None:
        self.poller = poller
        self.poll_after = poll_after
        self.seq = 0
        self.epoch = 0
        self.last_error: str | None = None
        self._changed: list[list[tuple[str, Any]]] = []  # keys changed by seq 1, 2, …
        self._cache: dict[tuple[int, int | None], bytes] = {}

    def take(self, outcome: PollOutcome) -> None:
        if isinstance(outcome, Failed):
            self.last_error = outcome.reason
            return
        self.last_error = None
        if not isinstance(outcome, Updated) or outcome.changes.empty:
            return
        if outcome.changes.reset or outcome.snapshot:
            if self.seq:  # the state was replaced: clients take it whole
                self.epoch += 1
            self._changed.clear()
        self._changed.append(changed_keys(outcome.changes))
        self.seq += 1
        self._cache.clear()

    def etag(self, since: int | None) -> str:
        if since is None or since > self.seq or since < self.seq - len(self._changed):
            return f'"{self.epoch}.{self.seq}.s"'
        return f'"{self.epoch}.{self.seq}.c{since}"'

    def answer_held(self, since: int | None) -> bytes:
        return self.answer(since)  # the state moves only when an outcome is taken

    def answer(self, since: int | None) -> bytes:
        first = self.seq - len(self._changed)  # the earliest seq changes can follow
        if since is not None and (since > self.seq or since < first):
            since = None
        key = (self.seq, since)
        if key in self._cache:
            return self._cache[key]
        document: dict[str, Any] = {
            "format": FORMAT,
            "kind": "snapshot" if since is None else "changes",
            "seq": self.seq,
            "epoch": self.epoch,
        }
        if self.poll_after is not None:
            document["poll_after"] = self.poll_after
        store = self.poller.store
        if since is None:
            document.update(state_body(store))
        else:
            document["since"] = since
            seen: set[tuple[str, Any]] = set()
            for keys in self._changed[since - first :]:
                seen.update(keys)
            document.update(changes_body(store, seen))
        body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
        self._cache = {key: body}
        return body


def create_live_app(feed: LiveFeed, *, allowed_hosts: Sequence[str] = LOOPBACK_HOSTS) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(poll_forever(feed.poller, feed.take, stop, report=_log.error))
        try:
            yield
        finally:
            stop.set()
            await task
            await feed.poller.aclose()

    async def get_feed(request: Request) -> Response:
        since_text = request.query_params.get("since")
        since: int | None = None
        if since_text is not None:
            if not since_text.isdigit() or len(since_text) > 15:
                return JSONResponse({"error": "since must be a sequence number"}, 400)
            since = int(since_text)
        if feed.seq == 0:
            reason = feed.last_error or "the source has not been read yet"
            return JSONResponse({"error": reason}, 503, headers={"Retry-After": "2"})
        etag = feed.etag(since)
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(feed.answer(since), media_type="application/json", headers=headers)

    async def get_status(request: Request) -> Response:
        status = feed.poller.status
        return JSONResponse(
            {
                "source": feed.poller.url,
                "seq": feed.seq,
                "polls": status.polls,
                "last_error": feed.last_error,
                "rejected_records": status.rejected_records,
            }
        )

    return Starlette(
        routes=[
            Route("/feed", get_feed, methods=["GET"]),
            Route("/status", get_status, methods=["GET"]),
        ],
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts), www_redirect=False)
        ],
        lifespan=lifespan,
    )
