"""The replay server: a ``ReplayFeed`` served as a live feed over HTTP (Starlette under
uvicorn).

It speaks exactly the live feed's HTTP API (``GET /feed`` for the snapshot, ``?since=N`` for
changes, strong ETags and 304), so the app polls a replay with the same client code as a live
night. ``/replay`` endpoints drive the clock (pause, speed, seek, step to a declaration),
with a token, and only for the host names it answers to.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import threading
import time
from collections.abc import Sequence
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

from feeds.moments import parse_moment
from feeds.replay import ReplayFeed


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

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        lifespan: str = "off",
        date_header: bool = True,
    ) -> None:
        self.socket = bind_socket(host, port)
        self.host, self.port = self.socket.getsockname()[:2]
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan=lifespan,  # type: ignore[arg-type]
            timeout_keep_alive=30,
            date_header=date_header,
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


def serve_hosts(bind: str, extra: list[str]) -> list[str]:
    """Host names the server answers to: loopback, the bound address, the machine's own
    names when bound to every interface, and any the user allows."""
    hosts = [*LOOPBACK_HOSTS, *extra]
    if bind in ("0.0.0.0", "::", ""):
        hosts += [socket.gethostname(), socket.getfqdn()]
    else:
        hosts.append(bind)
    return [h.lower() for h in dict.fromkeys(hosts) if h]
