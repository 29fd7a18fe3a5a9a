"""Democracy Club's candidates API (YourNextRepresentative) as a source: ``dc:ELECTION_ID``.

Each poll makes one request to ``/api/next/ballots/``: the election's ballots a page at a
time (``page_size`` 100, following ``next``), then only ballots changed since the latest
``last_updated`` seen (the API's own filter; it orders them by ``last_updated``). Ballots
become ward contests, their councils come from the project's reference table
(``feeds/dc_councils.json``: Democracy Club gives election ids, not GSS codes). Anonymous use
is throttled by the service at 10 requests a minute, so anonymous polls are paced at one every
6.5 s; 429 and ``Retry-After`` are obeyed; a token from ``DC_API_TOKEN`` is sent as
``Authorization: Token …`` (never in the URL, never logged).

Field names and paging are the service's own (``elections/api/next/serializers.py``,
``popolo/api/next/serializers.py``, ``uk_results/api/next/serializers.py`` and
``elections/filters.py`` in DemocracyClub/yournextrepresentative).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urljoin, urlsplit

from pydantic import ValidationError

from feeds.answer import Answer, FeedError, Reject
from feeds.dc_night import DCBallot, DCNight, DCPage, query_for
from feeds.http_answers import (
    BodyReader,
    RetryLater,
    clean_http_error,
    parse_retry_after,
    same_origin,
)
from feeds.polling import (
    Failed,
    PollerHealth,
    PollerStatus,
    PollOutcome,
    PollSettings,
    Unchanged,
    Updated,
)
from feeds.sanitise import clean_line
from feeds.store import ResultsStore

if TYPE_CHECKING:
    import httpx

_log = logging.getLogger(__name__)

DEFAULT_API = "https://candidates.democracyclub.org.uk"
TOKEN_ENV = "DC_API_TOKEN"
USER_AGENT = (
    "election-night/0.1 (UK election results in the terminal; +https://github.com/election-night)"
)
CREDIT = "Democracy Club (CC BY 4.0)"
#: The service lets anonymous clients make 10 requests a minute; one every 6.5 s stays within.
ANONYMOUS_PACE = 6.5
TOKEN_PACE = 1.0
PAGE_SIZE = 100
#: Ballots changed within this long before the latest seen are asked for again: a ballot saved
#: in the same instant as the last one read must not be missed (an unchanged one is ignored).
OVERLAP = dt.timedelta(seconds=5)


class DCPoller(PollerHealth):
    """Polls Democracy Club's ballots for one election into a ``ResultsStore``."""

    def __init__(
        self,
        source: str,
        store: ResultsStore | None = None,
        *,
        settings: PollSettings | None = None,
        api_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.election_id = source.removeprefix("dc:")
        chosen = api_url or (settings.dc_url if settings else None) or os.environ.get("DC_API_URL")
        self.api_url = (chosen or DEFAULT_API).rstrip("/")
        self.url = f"dc:{self.election_id} · data: {CREDIT}"
        self.store = store if store is not None else ResultsStore()
        self.settings = settings or PollSettings()
        self.status = PollerStatus()
        self.night = DCNight(self.election_id)
        self._token = os.environ.get(TOKEN_ENV) or None
        self._transport = transport
        self._monotonic = monotonic
        self._client: httpx.AsyncClient | None = None
        self._next_url: str | None = None
        self._loaded = False
        # The cursor for "changed since": the service's time when the last complete round of
        # pages began (a ballot changed while later pages were read is asked for again).
        self._cursor: dt.datetime | None = None
        self._round_began: dt.datetime | None = None
        self._round_latest: dt.datetime | None = None
        self._seq = 0
        self.pages = 0
        self.ballots_total: int | None = None

    def __repr__(self) -> str:  # never the token
        return f"DCPoller({self.election_id!r}, api={self.api_url!r})"

    @property
    def auth_configured(self) -> bool:
        return self._token is not None

    stale_floor = 60.0  # a poll every 6.5 s, and a page a poll

    @property
    def loaded(self) -> bool:
        """Every ballot of the election has been read once."""
        return self._loaded

    def pace(self) -> float:
        return TOKEN_PACE if self._token else ANONYMOUS_PACE

    def next_interval(self) -> float:
        if self._next_url is not None:  # more pages of this round: as soon as allowed
            return self.pace()
        return max(self.pace(), self.settings.interval)

    def _client_for_loop(self) -> httpx.AsyncClient:
        import httpx

        if self._client is None:
            headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
            if self._token:
                headers["Authorization"] = f"Token {self._token}"
            self._client = httpx.AsyncClient(
                transport=self._transport,
                verify=urlsplit(self.api_url).scheme != "http",
                follow_redirects=False,
                timeout=httpx.Timeout(self.settings.deadline),
                headers=headers,
                trust_env=False,
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _first_url(self) -> str:
        query = {**query_for(self.election_id), "page_size": str(PAGE_SIZE)}
        if self._loaded and self._cursor is not None:
            query["last_updated"] = (self._cursor - OVERLAP).isoformat()
        return f"{self.api_url}/api/next/ballots/?{urlencode(query)}"

    async def poll(self) -> PollOutcome:
        """One request. Never raises for anything the network or the service can do."""
        import httpx

        self.status.polls += 1
        self.status.last_attempt = self._monotonic()
        url = self._next_url or self._first_url()
        try:
            async with asyncio.timeout(self.settings.deadline):
                page = await self._fetch(url)
        except TimeoutError:
            return self._failed("no complete answer within the deadline", None)
        except RetryLater as retry:
            return self._failed(str(retry), retry.wait)
        except FeedError as error:
            return self._failed(str(error), None)
        except httpx.HTTPError as error:
            return self._failed(clean_http_error(error), None)
        except (OSError, ValueError) as error:
            return self._failed(f"network error ({type(error).__name__})", None)
        try:
            outcome = self._apply(page)
        except Exception as error:  # noqa: BLE001 - a poll must never end polling
            _log.debug("internal error applying ballots", exc_info=True)
            return self._failed(f"internal error ({type(error).__name__}); will retry", None)
        self._succeeded()
        return outcome

    def _failed(self, reason: str, wait: float | None) -> Failed:
        self._count_failure(reason)
        if wait is not None:
            delay = min(max(wait, self.pace()), self.settings.max_retry_after)
        else:
            growth = self.pace() * 2 ** min(self.status.failures - 1, 8)
            delay = min(max(self.settings.max_backoff, self.pace()), growth)
            delay *= 0.75 + 0.25 * random.random()
        return Failed(reason, max(delay, self.pace()), self.status.failures)

    async def _fetch(self, url: str) -> DCPage:
        client = self._client_for_loop()
        response = await client.send(client.build_request("GET", url), stream=True)
        first_page = self._next_url is None
        if first_page and response.status_code == 200:
            self._round_began = _http_date(response.headers.get("Date"))
        try:
            if response.status_code in (429, 503):
                wait = parse_retry_after(response.headers.get("Retry-After"))
                reason = (
                    "rate limited by Democracy Club (429)"
                    if response.status_code == 429
                    else ("Democracy Club is unavailable (503)")
                )
                raise RetryLater(reason, wait)
            if response.status_code != 200:
                raise FeedError(f"Democracy Club answered HTTP {response.status_code}")
            reader = BodyReader(
                response.headers.get("Content-Encoding", ""), self.settings.max_body_bytes
            )
            async for chunk in response.aiter_raw():
                reader.feed(chunk)
            body = reader.finish()
        finally:
            await response.aclose()
        try:
            page = DCPage.model_validate_json(body)
        except ValidationError:
            raise FeedError("not a page of Democracy Club ballots") from None
        if first_page and self._round_began is None:
            # No usable Date: the newest change on the round's first page is no later than
            # the moment it was read, so nothing changed after it can be missed.
            times = [_last_updated(raw) for raw in page.results]
            self._round_began = max((t for t in times if t is not None), default=None)
        return page

    def _apply(self, page: DCPage) -> PollOutcome:
        night = self.night
        self.pages += 1
        if not self._loaded:
            self.ballots_total = page.count
        rejects: list[Reject] = []
        wards: list[dict[str, Any]] = []
        councils: set[str] = set()
        for index, raw in enumerate(page.results):
            try:
                ballot = DCBallot.model_validate(raw)
            except ValidationError as error:
                rejects.append(Reject("ballot", index, _first_error(error)))
                continue
            if ballot.election.election_id.split(".")[-1] != self.election_id.split(".")[-1]:
                continue
            if self._round_latest is None or ballot.last_updated > self._round_latest:
                self._round_latest = ballot.last_updated
            council = night.take(ballot)
            try:
                wards.append(night.ward(ballot))
            except ValueError as error:
                rejects.append(Reject("ballot", index, f"{ballot.ballot_paper_id}: {error}"))
                continue
            councils.add(council)
        self._next_url = self._checked_next(page.next)
        if self._next_url is None:
            # A round complete: next time, what changed since it began.
            # The first round is in ballot order: its cursor is when it began. Later rounds
            # come oldest change first and stop at 1,000 ballots (the service's cap): their
            # cursor is the newest change read, so a capped round carries on from there.
            cursor = self._round_latest if self._loaded else self._round_began
            if cursor is not None and (self._cursor is None or cursor > self._cursor):
                self._cursor = cursor
            self._round_began = self._round_latest = None
            if not self._loaded:
                self._loaded = True
                councils |= {b.election.election_id for b in night.ballots.values()}
        whole = self.store.seq is None
        council_records = []
        for council_id in sorted(councils):
            record = night.council(council_id, complete=self._loaded)
            if record is None:
                rejects.append(
                    Reject("council", None, f"{council_id}: not in the reference tables")
                )
                wards = [w for w in wards if w["council"] != council_id]
                continue
            council_records.append(record)
        if not wards and not council_records and not rejects and not whole:
            return Unchanged(self.next_interval())
        self._seq += 1
        document: dict[str, Any] = {
            "format": "election-night/1",
            "kind": "snapshot" if whole else "changes",
            "seq": self._seq,
            **({} if whole else {"since": self._seq - 1}),
            "councils": council_records,
            "wards": wards,
        }
        if whole:
            document["election"] = self._election()
            document["regions"] = _regions()
            document["parties"] = _parties()
        from feeds.parse import answer_from_data

        answer: Answer = answer_from_data(json.loads(json.dumps(document, default=_json)))
        answer.rejects[:0] = rejects
        changes = self.store.apply(answer)
        if self._next_url is not None and self.ballots_total:
            changes.notes.append(
                f"Democracy Club: read {len(night.ballots):,} of {self.ballots_total:,} ballots"
            )
        self.status.rejected_records += len(changes.rejects)
        if whole:
            self.status.snapshots += 1
        return Updated(changes, self._seq, whole, self.next_interval())

    def _checked_next(self, url: str | None) -> str | None:
        if not url:
            return None
        target = urljoin(self.api_url + "/", url)
        if not same_origin(self.api_url, target):
            raise FeedError("the next page is on another host: refused")
        return target

    def _election(self) -> dict[str, Any]:
        kind = self.election_id.split(".")[0]
        date = self.election_id.rsplit(".", 1)[-1]
        day = dt.date.fromisoformat(date)
        what = {"local": "Local elections", "mayor": "Mayoral elections"}.get(kind, "Elections")
        return {"id": self.election_id, "name": f"{what}, {day.day} {day:%B %Y}", "date": date}


def _last_updated(raw: Any) -> dt.datetime | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("last_updated"), str):
        return None
    try:
        when = dt.datetime.fromisoformat(raw["last_updated"])
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _http_date(value: str | None) -> dt.datetime | None:
    from email.utils import parsedate_to_datetime

    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    return clean_line(f"{where}: {first.get('msg', 'invalid')}", 200)


def _json(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _regions() -> list[dict[str, str]]:
    from feeds.reference import REGIONS

    return [{"code": r.code, "name": r.name} for r in REGIONS]


def _parties() -> list[dict[str, str]]:
    from feeds.reference import PARTIES

    # Independents are counted with others (OTH) from this source.
    return [
        {"code": p.code, "name": p.name, "colour": p.colour} for p in PARTIES if p.code != "IND"
    ]
