"""Reading an HTTP answer safely: bounded decompression, Retry-After, clean reasons for
every network failure (no exception text from a server reaches the screen)."""

from __future__ import annotations

import email.utils
import math
import time
import zlib
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from feeds.answer import FeedError

if TYPE_CHECKING:
    import httpx


class RetryLater(Exception):
    """A 429/503 answer; carries the server's wait when it gave a usable one."""

    def __init__(self, reason: str, wait: float | None) -> None:
        super().__init__(reason)
        self.wait = wait


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None if garbage."""
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > 64:
        return None
    if value.isascii() and value.replace(".", "", 1).isdigit():
        seconds = float(value)
        return seconds if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now())


class BodyReader:
    """Reads a body, decompressing it ourselves so that the size cap applies to decoded bytes
    (httpx's gzip decoder has no output limit, so a gzip bomb would expand in full)."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self.decoder: zlib._Decompress | None = None
        elif encoding in ("gzip", "x-gzip"):
            self.decoder = zlib.decompressobj(wbits=31)
        elif encoding == "deflate":
            self.decoder = zlib.decompressobj()
        else:
            raise FeedError("answer uses an unsupported content encoding")

    def feed(self, chunk: bytes) -> None:
        if self.decoder is None:
            self._keep(chunk)
            return
        try:
            data = self.decoder.decompress(chunk, self.limit - self.size + 1)
            self._keep(data)
            while self.decoder.unconsumed_tail:
                data = self.decoder.decompress(
                    self.decoder.unconsumed_tail, self.limit - self.size + 1
                )
                self._keep(data)
        except zlib.error:
            raise FeedError("answer has a corrupt compressed body") from None

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise FeedError(f"answer is larger than the {self.limit // 1024} KiB limit")
        self.parts.append(data)

    def finish(self) -> bytes:
        if self.decoder is not None:
            try:
                self._keep(self.decoder.flush())
            except zlib.error:
                raise FeedError("answer has a corrupt compressed body") from None
            if not self.decoder.eof:
                raise FeedError("answer's compressed body is cut short")
        return b"".join(self.parts)


def clean_http_error(error: httpx.HTTPError) -> str:
    import httpx

    if isinstance(error, httpx.ConnectTimeout):
        return "connection timed out"
    if isinstance(error, httpx.ConnectError):
        return "cannot connect (refused or unreachable)"
    if isinstance(error, httpx.TimeoutException):
        return "no answer in time"
    if isinstance(error, httpx.RemoteProtocolError):
        return "the server closed the connection mid-answer"
    if isinstance(error, httpx.ReadError):
        return "the connection failed while reading"
    if isinstance(error, httpx.DecodingError):
        return "answer could not be decoded"
    if isinstance(error, httpx.TooManyRedirects):
        return "too many redirects"
    return f"network error ({type(error).__name__})"


def status_reason(status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "unexpected status"
    return f"HTTP {status} {phrase}"


def same_origin(a: str, b: str) -> bool:
    one, two = urlsplit(a), urlsplit(b)
    return (one.scheme, one.hostname, one.port) == (two.scheme, two.hostname, two.port)


def body_hint(body: bytes) -> str:
    head = body[:200].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return " (HTML error page)"
    if head.startswith(b"<?xml") or head.startswith(b"<"):
        return " (XML or HTML error body)"
    return ""
