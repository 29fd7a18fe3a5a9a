"""What a poll is asked to do and what it comes back with: the settings, the four outcomes,
and the check that refuses a feed URL no poll could ever fetch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from feeds.store import ChangeSet

if TYPE_CHECKING:
    from feeds.store import ResultsStore

#: After decompression. A national night's whole state with every ward and candidate is
#: about 8 MB; the 2022 night's, 3.5 MB.
DEFAULT_MAX_BODY = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class PollSettings:
    interval: float = 5.0  # seconds between polls while all is well
    min_interval: float = 0.5  # floor for the server's poll_after and Retry-After
    max_backoff: float = 30.0  # ceiling of the wait after repeated failures (p polls now)
    max_retry_after: float = 600.0  # a Retry-After larger than this is clamped
    deadline: float = 10.0  # total seconds for one poll, body included
    max_body_bytes: int = DEFAULT_MAX_BODY  # after decompression
    max_redirects: int = 3
    auth_header: str | None = None  # header name, e.g. "Authorization"
    auth_env: str | None = None  # environment variable holding the header's value
    stale_after: float | None = None  # seconds without success before the feed is stale
    # Proxies only when asked for: proxies from the environment (HTTP_PROXY, ALL_PROXY) once
    # received the auth header, and a SOCKS one there ended polling.
    proxy: str | None = None
    restart_after: int = 3  # answers in a row with a lower seq before it counts as a restart
    dc_url: str | None = None  # Democracy Club's API (dc: sources); its public one by default

    def stale_threshold(self) -> float:
        return self.stale_after if self.stale_after is not None else max(30.0, 3 * self.interval)


@dataclass(frozen=True, slots=True)
class Updated:
    changes: ChangeSet
    seq: int
    snapshot: bool
    next_poll: float


@dataclass(frozen=True, slots=True)
class Unchanged:
    next_poll: float
    note: str | None = None  # e.g. "older answer dropped"


@dataclass(frozen=True, slots=True)
class Dropped:
    """The feed answered, but with an older state than the one held: nothing applied, and
    not an update (the status must not say "updated 0 s ago" for it)."""

    reason: str
    next_poll: float


@dataclass(frozen=True, slots=True)
class Failed:
    reason: str
    next_poll: float
    failures: int


PollOutcome = Updated | Unchanged | Dropped | Failed


class FeedConfigError(ValueError):
    """A feed URL or setting that can never work; the message is safe to show."""


def check_feed_url(url: str, settings: PollSettings | None = None) -> None:
    """Refuse, before the first poll, what no poll could ever fetch (a port of 99999, a
    scheme other than http(s)), and an auth header a proxy would read in plain http."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise FeedConfigError(f"not a usable feed URL: {url[:200]!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedConfigError(f"a feed URL must be http:// or https:// with a host: {url[:200]!r}")
    if port == 0:
        raise FeedConfigError("a feed URL cannot use port 0")
    if settings is not None and settings.proxy:
        check_proxy = urlsplit(settings.proxy)
        if check_proxy.scheme not in ("http", "https") or not check_proxy.hostname:
            raise FeedConfigError("--proxy must be an http:// or https:// URL")
        if settings.auth_env and parts.scheme == "http":
            raise FeedConfigError(
                "an auth header is never sent through a proxy over plain http (the proxy "
                "would read it): use an https feed URL"
            )


@dataclass(slots=True)
class PollerStatus:
    """What the UI shows about the feed: freshness, errors, counts. Times are monotonic."""

    last_success: float | None = None
    last_attempt: float | None = None
    last_error: str | None = None
    failures: int = 0
    polls: int = 0
    not_modified: int = 0
    snapshots: int = 0
    rejected_records: int = 0
    history: list[str] = field(default_factory=list)
    #: Set when the feed's poll_after is longer than the interval asked for (the longer wins).
    interval_note: str | None = None


class Poller(Protocol):
    url: str  # what the source is called on screen (never with a secret in it)
    store: ResultsStore
    settings: PollSettings
    status: PollerStatus

    @property
    def auth_configured(self) -> bool: ...
    async def poll(self) -> PollOutcome: ...
    async def aclose(self) -> None: ...
    def is_stale(self, now: float | None = None) -> bool: ...


class PollerHealth:
    """What every poller keeps about its own health: its last success, its failures and their
    reasons, and whether what it holds has gone stale."""

    status: PollerStatus
    settings: PollSettings
    _monotonic: Callable[[], float]
    #: A source polled slowly (Democracy Club, at the service's pace) goes stale later.
    stale_floor = 0.0

    def is_stale(self, now: float | None = None) -> bool:
        now = self._monotonic() if now is None else now
        if self.status.last_success is None:
            return self.status.failures > 0
        threshold = max(self.settings.stale_threshold(), self.stale_floor)
        return now - self.status.last_success > threshold

    def _succeeded(self) -> None:
        self.status.failures = 0
        self.status.last_error = None
        self.status.last_success = self._monotonic()

    def _count_failure(self, reason: str) -> int:
        """Note a failed poll; returns how many in a row."""
        self.status.failures += 1
        self.status.last_error = reason
        self.status.history.append(reason)
        del self.status.history[:-50]
        return self.status.failures
