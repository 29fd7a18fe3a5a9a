"""The replay server: a recording served as a live feed on a virtual clock.

It speaks exactly the live feed's HTTP API (``GET /feed`` for the snapshot, ``?since=N`` for
changes, strong ETags and 304), so the app polls a replay with the same client code as a live
night. ``/replay`` endpoints drive the clock (pause, speed, seek, step to a declaration), and a
``FaultSpec`` makes a share of answers fail on purpose for rehearsals and tests.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
import secrets
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from feeds.models import FORMAT
from feeds.recording import Recording, dump_record, parse_moment, state_body
from feeds.store import ResultsStore

MIN_SPEED = 0.1
MAX_SPEED = 100_000.0


def check_speed(speed: float) -> float:
    """A replay speed, refused unless finite and within bounds: ``nan`` once made the clock
    read nan, and every viewer's screen was wiped by an empty state."""
    if not math.isfinite(speed) or not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValueError(f"speed must be a number from {MIN_SPEED:g} to {MAX_SPEED:g}")
    return speed


class VirtualClock:
    """Recording time in milliseconds, running at ``speed`` times real time."""

    def __init__(
        self,
        duration_ms: int,
        *,
        speed: float = 1.0,
        start_ms: float = 0.0,
        paused: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.duration_ms = duration_ms
        self._monotonic = monotonic
        self._speed = check_speed(speed)
        self._paused = paused
        self._base_ms = min(max(0.0, start_ms), float(duration_ms))
        self._base_real = monotonic()

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def paused(self) -> bool:
        return self._paused

    def now_ms(self) -> float:
        if self._paused:
            return self._base_ms
        elapsed = (self._monotonic() - self._base_real) * 1000.0 * self._speed
        return min(self._base_ms + elapsed, float(self.duration_ms))

    def _rebase(self) -> None:
        self._base_ms = self.now_ms()
        self._base_real = self._monotonic()

    def set_speed(self, speed: float) -> None:
        check_speed(speed)
        self._rebase()
        self._speed = speed

    def pause(self) -> None:
        self._rebase()
        self._paused = True

    def resume(self) -> None:
        self._rebase()
        self._paused = False

    def seek(self, t_ms: float) -> None:
        if not math.isfinite(t_ms):
            raise ValueError("the time to seek to must be a finite number")
        self._base_ms = min(max(0.0, t_ms), float(self.duration_ms))
        self._base_real = self._monotonic()

    @property
    def finished(self) -> bool:
        return self.now_ms() >= self.duration_ms


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """Shares of answers to spoil on purpose, e.g. ``5xx=0.1,429=0.05,slow=0.05,truncate=0.05``.

    ``slow`` answers wait ``slow_seconds`` first; 429 and 503 carry ``Retry-After``.
    """

    server_error: float = 0.0
    too_many: float = 0.0
    slow: float = 0.0
    truncate: float = 0.0
    slow_seconds: float = 2.0
    retry_after: str = "1"
    seed: int | None = None

    @classmethod
    def parse(cls, text: str | None) -> FaultSpec:
        if not text:
            return cls()
        names = {
            "5xx": "server_error",
            "500": "server_error",
            "503": "server_error",
            "429": "too_many",
            "slow": "slow",
            "truncate": "truncate",
        }
        values: dict[str, Any] = {}
        for part in text.split(","):
            key, _, raw = part.strip().partition("=")
            key = key.strip().lower()
            try:
                if key == "seed":
                    values["seed"] = int(raw)
                elif key == "slow_seconds":
                    values["slow_seconds"] = float(raw)
                elif key == "retry_after":
                    values["retry_after"] = raw.strip()
                elif key in names:
                    share = float(raw)
                    if not 0.0 <= share <= 1.0:
                        raise ValueError
                    values[names[key]] = share
                else:
                    raise ValueError
            except ValueError:
                raise ValueError(f"bad fault setting {part.strip()!r}") from None
        return cls(**values)

    @property
    def active(self) -> bool:
        return any((self.server_error, self.too_many, self.slow, self.truncate))


@dataclass(slots=True)
class _Cache:
    key: tuple[int, int, int | None] | None = None
    body: bytes = b""


@dataclass(slots=True)
class ReplayStats:
    requests: int = 0
    not_modified: int = 0
    faults: dict[str, int] = field(default_factory=dict)


class ReplayFeed:
    """The replayed state at the clock's time, and the feed answers for it."""

    def __init__(
        self,
        recording: Recording,
        clock: VirtualClock,
        faults: FaultSpec | None = None,
        *,
        poll_after: float | None = None,
    ) -> None:
        self.recording = recording
        self.poll_after = poll_after
        self.clock = clock
        self.faults = faults or FaultSpec()
        self._rng = random.Random(self.faults.seed)
        self.stats = ReplayStats()
        self.epoch = 0
        self.index = 0
        self.store = ResultsStore()
        self._lock = threading.Lock()
        # Exactly which records each event changed, found once by applying them in order.
        self._changed: list[list[tuple[str, Any]]] = []
        self._precompute()
        # The recording never changes: find its declarations once, not on every status poll.
        self.declaration_times = recording.declaration_times()
        self._cache: dict[str, _Cache] = {"snapshot": _Cache(), "changes": _Cache()}

    def _precompute(self) -> None:
        store = ResultsStore()
        for event in self.recording.events:
            if event.reset:
                store = ResultsStore()
            changes = store.apply(event.answer)
            keys: list[tuple[str, Any]] = [("council", k) for k in changes.councils]
            keys += [("referendum", k) for k in changes.referendums]
            keys += [("area", k) for k in changes.counting_areas]
            keys += [("mayor", k) for k in changes.mayors]
            keys += [("ward", k) for k in changes.wards]
            if changes.projections:
                keys.append(("projections", None))
            if changes.meta:
                keys.append(("meta", None))
            self._changed.append(keys)

    def sync(self) -> int:
        """Bring the state to the clock's time; returns the current index (the feed's seq)."""
        with self._lock:
            target = self.recording.index_at(self.clock.now_ms())
            if target < self.index:
                self.store = self.recording.state_at(self.clock.now_ms())
                self.index = target
                self.epoch += 1
            while self.index < target:
                event = self.recording.events[self.index]
                if event.reset:
                    # The whole state, not a continuation: replaced as a seek would, and a new
                    # epoch so that viewers take it whole (older revisions would be ignored).
                    self.store = ResultsStore()
                    self.epoch += 1
                self.store.apply(event.answer)
                self.index += 1
            return self.index

    def etag(self, since: int | None = None) -> str:
        """A strong validator per document: the snapshot and each changes-since-N answer of
        the same state are different bodies, so they never share an ETag (a client that
        asked for a fresh snapshot with the changes' ETag was once answered 304 forever)."""
        if since is None or since > self.index:
            return f'"{self.epoch}.{self.index}.s"'
        return f'"{self.epoch}.{self.index}.c{since}"'

    def _envelope(self, kind: str, since: int | None) -> dict[str, Any]:
        document: dict[str, Any] = {
            "format": FORMAT,
            "kind": kind,
            "seq": self.index,
            "epoch": self.epoch,
        }
        if since is not None:
            document["since"] = since
        if self.poll_after is not None:
            document["poll_after"] = self.poll_after
        return document

    def answer(self, since: int | None) -> bytes:
        """The body for ``GET /feed`` (``since`` None) or ``GET /feed?since=N``."""
        index = self.sync()
        with self._lock:
            if since is None or since > index:
                kind, since = "snapshot", None
            else:
                kind = "changes"
            cache = self._cache[kind]
            key = (self.epoch, index, since)
            if cache.key == key:
                return cache.body
            if kind == "snapshot":
                document = self._envelope("snapshot", None)
                document.update(state_body(self.store))
            else:
                assert since is not None
                document = self._envelope("changes", since)
                document.update(self._changes_since(since))
            body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
            cache.key, cache.body = key, body
            return body

    def _changes_since(self, since: int) -> dict[str, Any]:
        store = self.store
        seen: set[tuple[str, Any]] = set()
        for keys in self._changed[since : self.index]:
            seen.update(keys)
        body: dict[str, Any] = {}
        councils = [dump_record(store.councils[k]) for kind, k in seen if kind == "council"]
        referendums = [
            dump_record(store.referendums[k]) for kind, k in seen if kind == "referendum"
        ]
        areas = [
            dump_record(store.counting_areas[k])
            for kind, k in sorted(
                (item for item in seen if item[0] == "area"), key=lambda item: item[1]
            )
            if k in store.counting_areas
        ]
        mayors = [dump_record(store.mayors[k]) for kind, k in seen if kind == "mayor"]
        wards = [
            dump_record(store.wards[k])
            for kind, k in sorted(
                (item for item in seen if item[0] == "ward"), key=lambda item: item[1]
            )
        ]
        for name, records in (
            ("councils", councils),
            ("referendums", referendums),
            ("counting_areas", areas),
            ("mayors", mayors),
            ("wards", wards),
        ):
            if records:
                body[name] = records
        if ("projections", None) in seen and store.projections is not None:
            body["projections"] = dump_record(store.projections)
        if ("meta", None) in seen:
            body["regions"] = [dump_record(r) for r in store.regions.values()]
            body["parties"] = [dump_record(p) for p in store.parties.values()]
            if store.election is not None:
                body["election"] = dump_record(store.election)
        return body

    def status(self) -> dict[str, Any]:
        index = self.sync()
        started = self.recording.header.started_at
        now = self.clock.now_ms()
        times = self.declaration_times
        return {
            "position_ms": int(now),
            "duration_ms": self.recording.duration_ms,
            "speed": self.clock.speed,
            "paused": self.clock.paused,
            "finished": self.clock.finished,
            "seq": index,
            "epoch": self.epoch,
            "events": len(self.recording.events),
            "declarations_total": len(times),
            "started_at": started.isoformat() if started else None,
            "election": self.recording.header.election,
        }

    def step(self, direction: str) -> None:
        """Move the clock to the next, or the previous, declaration."""
        now = self.clock.now_ms()
        times = self.declaration_times
        if direction == "next":
            later = [t for t in times if t > now]
            if later:
                self.clock.seek(later[0])
        else:
            # The declaration before the latest one shown, so that each press walks back one,
            # while playing too (the clock has moved on past the latest by then).
            shown = [t for t in times if t <= now]
            self.clock.seek(shown[-2] if len(shown) >= 2 else 0)

    def roll_fault(self) -> str | None:
        if not self.faults.active:
            return None
        roll = self._rng.random()
        for name, share in (
            ("5xx", self.faults.server_error),
            ("429", self.faults.too_many),
            ("slow", self.faults.slow),
            ("truncate", self.faults.truncate),
        ):
            if roll < share:
                self.stats.faults[name] = self.stats.faults.get(name, 0) + 1
                return name
            roll -= share
        return None


class _TruncatedResponse(Response):
    """Declares the whole length, then sends half the body and stops."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        await send(
            {
                "type": "http.response.body",
                "body": self.body[: len(self.body) // 2],
                "more_body": False,
            }
        )


#: Host names the rehearsal server answers to by default: loopback only. A Host header naming
#: anything else is refused (DNS rebinding: a web page on another name reaching this server).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def new_control_token() -> str:
    return secrets.token_urlsafe(18)


def create_app(
    feed: ReplayFeed,
    *,
    control_token: str,
    allowed_hosts: Sequence[str] = LOOPBACK_HOSTS,
) -> Starlette:
    """The replay server: ``/feed`` for every viewer; ``/replay`` to read the clock; the
    ``/replay/*`` controls only with ``Authorization: Bearer <control_token>`` and never from
    a page of another origin (a cross-origin form POST once paused every viewer's replay)."""

    async def get_feed(request: Request) -> Response:
        feed.stats.requests += 1
        since_text = request.query_params.get("since")
        since: int | None = None
        if since_text is not None:
            if not since_text.isdigit() or len(since_text) > 15:
                return JSONResponse({"error": "since must be a sequence number"}, 400)
            since = int(since_text)
        fault = feed.roll_fault()
        if fault == "5xx":
            return Response(
                "<html><body><h1>503 Service Unavailable</h1></body></html>",
                503,
                media_type="text/html",
                headers={"Retry-After": "garbage"},
            )
        if fault == "429":
            return JSONResponse(
                {"error": "slow down"}, 429, headers={"Retry-After": feed.faults.retry_after}
            )
        if fault == "slow":
            await asyncio.sleep(feed.faults.slow_seconds)
        body = feed.answer(since)
        etag = feed.etag(since)
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        if request.headers.get("if-none-match") == etag:
            feed.stats.not_modified += 1
            return Response(status_code=304, headers=headers)
        if fault == "truncate":
            return _TruncatedResponse(body, media_type="application/json", headers=headers)
        return Response(body, media_type="application/json", headers=headers)

    async def get_status(request: Request) -> Response:
        return JSONResponse(feed.status())

    async def control(request: Request) -> Response:
        refused = _control_refused(request, control_token)
        if refused is not None:
            return JSONResponse({"error": refused}, 403)
        action = request.path_params["action"]
        params = request.query_params
        try:
            if action == "pause":
                feed.clock.pause()
            elif action == "resume":
                feed.clock.resume()
            elif action == "toggle":
                feed.clock.resume() if feed.clock.paused else feed.clock.pause()
            elif action == "speed":
                feed.clock.set_speed(float(params["value"]))
            elif action == "seek":
                if "t" in params:
                    feed.clock.seek(float(params["t"]))
                else:
                    feed.clock.seek(parse_moment(params["at"], feed.recording.header.started_at))
            elif action == "step":
                feed.step(params.get("direction", "next"))
            else:
                return JSONResponse({"error": "unknown action"}, 404)
        except (KeyError, ValueError) as error:
            return JSONResponse({"error": f"bad request: {error}"}, 400)
        return JSONResponse(feed.status())

    return Starlette(
        routes=[
            Route("/feed", get_feed, methods=["GET"]),
            Route("/replay", get_status, methods=["GET"]),
            Route("/replay/{action}", control, methods=["POST"]),
        ],
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts), www_redirect=False)
        ],
    )


def _control_refused(request: Request, token: str) -> str | None:
    """Why a control request is refused, or None to let it through."""
    origin = request.headers.get("origin")
    if origin is not None:
        parts = urlsplit(origin)
        if parts.netloc.lower() != request.headers.get("host", "").lower():
            return "controls are not taken from a page of another origin"
    given = request.headers.get("authorization", "")
    if not secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return "controls need the token printed when the server started"
    return None


_CUT_SHORT = ("Too little data for declared Content-Length", "shorter than Content-Length")


class HideTruncationFaults(logging.Filter):
    """Truncated answers are injected on purpose; uvicorn reports each one with a whole
    traceback. Each becomes one clean line instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is None or not any(marker in str(error) for marker in _CUT_SHORT):
            return True
        record.msg, record.args, record.exc_info, record.exc_text = (
            "fault injected: an answer cut short on purpose (truncate)",
            (),
            None,
            None,
        )
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def hide_truncation_faults() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, HideTruncationFaults) for f in logger.filters):
        logger.addFilter(HideTruncationFaults())


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


class ServerThread:
    """Runs an ASGI app under uvicorn in a background thread on a bound loopback socket."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.socket = bind_socket(host, port)
        self.host, self.port = self.socket.getsockname()[:2]
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=30
        )
        self.server = uvicorn.Server(config)
        hide_truncation_faults()
        self._thread = threading.Thread(target=self._run, name="replay-server", daemon=True)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _run(self) -> None:
        self.server.run(sockets=[self.socket])

    def start(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
        self.socket.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
