"""PA Media's feed as a source: a folder of PA XML files (the folder a newsroom mirrors from
PA's FTP server), or PA's FTP server itself, polled like any feed.

``PAPoller`` has the poller's interface (``poll``, ``status``, ``store``, ``aclose``), so the
app, ``summary``, ``record`` and ``serve`` use it unchanged. Each poll lists the folder, reads
the files that are new or changed since the last look, keeps the highest revision of each PA
document, and applies what changed to the store as one answer. A file that cannot be read is
retried on the next poll while it is still changing (a half-written file) and rejected, with
the file named, once it stops changing; the rest of the night goes on.
"""

from __future__ import annotations

import asyncio
import ftplib
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from feeds.answer import Reject
from feeds.pa_xml import PADocument, PADocumentError, parse_document
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

_log = logging.getLogger(__name__)

#: Environment variable holding the PA FTP password (kept out of URLs and process lists).
PASSWORD_ENV = "ELECTION_NIGHT_PA_PASSWORD"
MAX_FILES = 20_000  # files in one listing; more is not a PA folder
MAX_FILE_BYTES = 2 * 1024 * 1024
FTP_TIMEOUT = 20.0


_REHEARSAL = re.compile(r"(^|_)test(_|\.|$)", re.IGNORECASE)


class PASourceError(ValueError):
    """A PA source that can never work (no such folder, a bad FTP URL); safe to show."""


Signature = tuple[int, str]  # (size, modification time as the listing gives it)


class Listing(Protocol):
    label: str

    def list(self) -> dict[str, Signature]: ...
    def read(self, name: str) -> bytes: ...
    def close(self) -> None: ...


class FolderListing:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.label = f"pa:{folder}"

    def list(self) -> dict[str, Signature]:
        found: dict[str, Signature] = {}
        with os.scandir(self.folder) as entries:
            for entry in entries:
                if not entry.name.lower().endswith(".xml") or not entry.is_file():
                    continue
                info = entry.stat()
                found[entry.name] = (info.st_size, str(info.st_mtime_ns))
                if len(found) > MAX_FILES:
                    raise OSError(f"more than {MAX_FILES} XML files in the folder")
        return found

    def read(self, name: str) -> bytes:
        with (self.folder / name).open("rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)

    def close(self) -> None:
        pass


class FTPListing:
    """PA's FTP folder through the standard library's client. One connection, kept open
    between polls and opened again when it drops."""

    def __init__(self, url: str, password: str | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme != "ftp" or not parts.hostname:
            raise PASourceError(f"not an ftp:// URL with a host: {clean_line(url, 200)!r}")
        try:
            self.port = parts.port or 21
        except ValueError:
            raise PASourceError("the FTP URL's port is not a number") from None
        self.host = parts.hostname
        self.user = unquote(parts.username or "anonymous")
        self.password = unquote(parts.password) if parts.password else password or ""
        self.path = unquote(parts.path) or "/"
        # Never show the password: the label names user, host and folder only.
        self.label = f"ftp://{self.user}@{self.host}:{self.port}{self.path}"
        self._ftp: ftplib.FTP | None = None

    def _connect(self) -> ftplib.FTP:
        if self._ftp is None:
            ftp = ftplib.FTP(timeout=FTP_TIMEOUT)
            ftp.connect(self.host, self.port)
            ftp.login(self.user, self.password)
            ftp.cwd(self.path)
            self._ftp = ftp
        return self._ftp

    def _retrying(self, action: Callable[[ftplib.FTP], object]) -> object:
        try:
            return action(self._connect())
        except (ftplib.error_temp, OSError, EOFError):
            self.close()  # a dropped connection: once more on a new one
            return action(self._connect())

    def list(self) -> dict[str, Signature]:
        def listing(ftp: ftplib.FTP) -> dict[str, Signature]:
            found: dict[str, Signature] = {}
            for name, facts in ftp.mlsd(facts=["type", "size", "modify"]):
                if facts.get("type") != "file" or not name.lower().endswith(".xml"):
                    continue
                size = facts.get("size", "")
                found[name] = (int(size) if size.isdigit() else -1, facts.get("modify", ""))
                if len(found) > MAX_FILES:
                    raise OSError(f"more than {MAX_FILES} XML files in the folder")
            return found

        result = self._retrying(listing)
        assert isinstance(result, dict)
        return result

    def read(self, name: str) -> bytes:
        def fetch(ftp: ftplib.FTP) -> bytes:
            chunks: list[bytes] = []
            size = 0

            def take(chunk: bytes) -> None:
                nonlocal size
                size += len(chunk)
                if size > MAX_FILE_BYTES:
                    raise PADocumentError("larger than the file size limit")
                chunks.append(chunk)

            ftp.retrbinary(f"RETR {name}", take)
            return b"".join(chunks)

        result = self._retrying(fetch)
        assert isinstance(result, bytes)
        return result

    def close(self) -> None:
        if self._ftp is not None:
            try:
                self._ftp.close()
            finally:
                self._ftp = None


def open_listing(source: str) -> Listing:
    """The listing a ``pa:DIR``, ``pa:ftp://…`` or ``ftp://…`` source names."""
    target = source[3:] if source.startswith("pa:") else source
    if target.startswith("ftp://"):
        return FTPListing(target, os.environ.get(PASSWORD_ENV))
    folder = Path(target).expanduser()
    if not folder.is_dir():
        raise PASourceError(f"{source}: no such folder")
    return FolderListing(folder)


@dataclass(slots=True)
class _Scanned:
    name: str
    document: PADocument | None
    error: str | None


class PAPoller(PollerHealth):
    """Polls a PA folder into a ``ResultsStore``, one poll at a time."""

    def __init__(
        self,
        source: str,
        store: ResultsStore | None = None,
        *,
        settings: PollSettings | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        from feeds.pa_night import PANight

        self.listing = open_listing(source)
        self.url = self.listing.label
        self.store = store if store is not None else ResultsStore()
        self.settings = settings or PollSettings()
        self.status = PollerStatus()
        self.night = PANight()
        self._monotonic = monotonic
        self._seen: dict[str, Signature] = {}  # files read (or rejected) at this signature
        self._pending: dict[str, Signature] = {}  # unreadable once at this signature
        self._seq = 0
        self.files_read = 0

    def __repr__(self) -> str:
        return f"PAPoller({self.url!r})"

    auth_configured = False

    def next_interval(self) -> float:
        return max(self.settings.min_interval, self.settings.interval)

    async def aclose(self) -> None:
        await asyncio.to_thread(self.listing.close)

    async def poll(self) -> PollOutcome:
        """One look at the folder. Never raises for anything the folder or a file can do."""
        self.status.polls += 1
        self.status.last_attempt = self._monotonic()
        try:
            async with asyncio.timeout(self.settings.deadline * 6):
                scanned = await asyncio.to_thread(self._scan)
        except TimeoutError:
            return self._failed("the PA folder did not answer within the deadline")
        except (OSError, EOFError, ftplib.Error) as error:
            return self._failed(f"cannot read the PA folder ({_reason(error)})")
        except Exception as error:  # noqa: BLE001 - a poll must never end polling
            _log.debug("internal error reading PA files", exc_info=True)
            return self._failed(f"internal error ({type(error).__name__}); will retry")
        try:
            outcome = self._apply(scanned)
        except Exception as error:  # noqa: BLE001
            _log.debug("internal error applying PA files", exc_info=True)
            return self._failed(f"internal error ({type(error).__name__}); will retry")
        self._succeeded()
        return outcome

    def _failed(self, reason: str) -> Failed:
        self._count_failure(reason)
        wait = min(
            self.settings.max_backoff,
            self.settings.interval * 2 ** min(self.status.failures - 1, 8),
        )
        return Failed(reason, max(self.settings.min_interval, wait), self.status.failures)

    def _scan(self) -> list[_Scanned]:
        """In a worker thread: list, and read the files that are new or changed, in the order
        they landed (then by name)."""
        listing = self.listing.list()
        changed = [name for name, sig in listing.items() if self._seen.get(name) != sig]
        changed.sort(key=lambda name: (listing[name][1], name))
        scanned: list[_Scanned] = []
        for name in changed:
            signature = listing[name]
            try:
                raw = self.listing.read(name)
                if len(raw) > MAX_FILE_BYTES:
                    raise PADocumentError("larger than the file size limit")
                document = parse_document(raw)
            except PADocumentError as error:
                if self._pending.get(name) != signature:
                    # Unreadable at a new signature: perhaps still being written. Next poll.
                    self._pending[name] = signature
                    continue
                self._seen[name] = signature  # unchanged and still unreadable: rejected
                self._pending.pop(name, None)
                scanned.append(_Scanned(name, None, str(error)))
                continue
            except (OSError, EOFError, ftplib.Error) as error:
                if isinstance(error, FileNotFoundError):
                    continue  # gone between listing and reading
                raise
            self._seen[name] = signature
            self._pending.pop(name, None)
            scanned.append(_Scanned(name, document, None))
        return scanned

    def _apply(self, scanned: list[_Scanned]) -> PollOutcome:
        night = self.night
        rejects: list[Reject] = []
        entities: set[tuple[str, ...]] = set()
        for item in scanned:
            if item.document is None:
                rejects.append(
                    Reject("PA file", None, f"{clean_line(item.name, 120)}: {item.error}")
                )
                continue
            self.files_read += 1
            if _REHEARSAL.search(item.name):
                night.test = True  # PA names rehearsal files "Local_Test_…", "…_mayor_test_…"
            entity = night.add(item.document, clean_line(item.name, 120))
            if entity is not None:
                entities.add(entity)
        whole = self.store.seq is None
        notes, night.notes = night.notes, []
        if not entities and not rejects and not whole:
            return Unchanged(self.next_interval(), "; ".join(notes) or None)
        self._seq += 1
        answer = night.answer(entities, self._seq, whole=whole)
        answer.rejects[:0] = rejects
        changes = self.store.apply(answer)
        changes.notes.extend(notes)
        self.status.rejected_records += len(changes.rejects)
        if whole:
            self.status.snapshots += 1
        return Updated(changes, self._seq, whole, self.next_interval())


def _reason(error: BaseException) -> str:
    if isinstance(error, FileNotFoundError):
        return "no such folder"
    if isinstance(error, ftplib.error_perm):
        return clean_line(f"FTP refused: {error}", 120)
    if isinstance(error, OSError) and error.strerror:
        return clean_line(error.strerror, 120)
    return clean_line(type(error).__name__, 60)
