"""A real HTTP/1.1 server on 127.0.0.1 that misbehaves on command, for feed tests.

Tests script it with a list of actions, one per request (the last repeats). It speaks raw
sockets so it can do what a well-behaved ASGI server refuses to: trickle bytes, lie about the
length, close mid-body, or never answer at all.
"""

from __future__ import annotations

import asyncio
import gzip
import threading
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False
    send_length: bool = True
    cut_at: int | None = None  # send only this many body bytes, then close
    trickle: float | None = None  # seconds between single bytes of the body
    hang: bool = False  # read the request, never answer
    keep_alive: bool = False  # leave the connection open (and then drop it silently)
    drop_after: bool = False  # with keep_alive: close without saying so
    drop_unanswered: bool = False  # read the request, then close without any answer
    delay: float = 0.0  # seconds before answering (a slow server)

    @classmethod
    def json(cls, body: bytes, **kw: object) -> Reply:
        headers = {"Content-Type": "application/json", **kw.pop("headers", {})}  # type: ignore[dict-item]
        return cls(body=body, headers=headers, **kw)  # type: ignore[arg-type]

    @classmethod
    def gzip(cls, body: bytes, **kw: object) -> Reply:
        return cls(body=gzip.compress(body), headers={"Content-Encoding": "gzip"}, **kw)  # type: ignore[arg-type]


@dataclass
class Seen:
    method: str
    target: str
    headers: dict[str, str]


Action = Reply | Callable[[Seen], Reply]

REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class FaultServer:
    def __init__(self, *actions: Action) -> None:
        self.actions: list[Action] = list(actions) or [Reply()]
        self.requests: list[Seen] = []
        self.connections = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.answered = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/feed"

    def script(self, *actions: Action) -> None:
        self.actions = list(actions)

    def _next(self, seen: Seen) -> Reply:
        index = min(len(self.requests) - 1, len(self.actions) - 1)
        action = self.actions[index]
        return action(seen) if callable(action) else action

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]
            self._ready.set()

        self._loop.run_until_complete(start())
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                seen = Seen(method, target, headers)
                self.requests.append(seen)
                reply = self._next(seen)
                if reply.hang:
                    await asyncio.sleep(3600)
                    return
                if reply.drop_unanswered:
                    return
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                try:
                    if reply.delay:
                        await asyncio.sleep(reply.delay)
                    await self._send(writer, reply)
                    self.answered += 1
                finally:
                    self.in_flight -= 1
                if not reply.keep_alive or reply.drop_after:
                    return
        finally:
            try:
                writer.close()
            except Exception:
                pass

    async def _send(self, writer: asyncio.StreamWriter, reply: Reply) -> None:
        status_line = f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'Status')}\r\n"
        headers = dict(reply.headers)
        body = reply.body
        if reply.chunked:
            headers["Transfer-Encoding"] = "chunked"
        elif reply.send_length:
            headers["Content-Length"] = str(len(body))
        headers["Connection"] = "keep-alive" if reply.keep_alive else "close"
        head = status_line + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        writer.write(head.encode("latin-1"))
        payload = body
        if reply.chunked:
            payload = (
                (f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n")
                if body
                else (b"0\r\n\r\n")
            )
        if reply.cut_at is not None:
            cut = reply.cut_at + (len(f"{len(body):x}\r\n") if reply.chunked else 0)
            payload = payload[:cut]
        if reply.trickle is not None:
            for index in range(len(payload)):
                writer.write(payload[index : index + 1])
                try:
                    await writer.drain()
                except ConnectionError:
                    return
                await asyncio.sleep(reply.trickle)
        else:
            writer.write(payload)
            try:
                await writer.drain()
            except ConnectionError:
                return

    def start(self) -> FaultServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
