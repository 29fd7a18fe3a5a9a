"""Any source the app can poll: a feed URL, or PA Media's XML (a folder or its FTP server).

Both kinds of poller have one interface, so the app, ``record``, ``summary`` and ``serve``
take either without knowing which."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from feeds.polling import FeedConfigError, Poller, PollSettings, check_feed_url

if TYPE_CHECKING:
    from feeds.store import ResultsStore

__all__ = ["Poller", "check_source", "is_dc_source", "is_pa_source", "make_poller"]


def is_pa_source(source: str) -> bool:
    return source.startswith(("pa:", "ftp://"))


def is_dc_source(source: str) -> bool:
    return source.startswith("dc:")


_DC_ID = re.compile(r"^dc:[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*\.[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def check_source(source: str, settings: PollSettings | None = None) -> None:
    """Refuse, before the first poll, a source no poll could ever read."""
    if is_dc_source(source):
        if not _DC_ID.match(source):
            raise FeedConfigError(
                f"not a Democracy Club election id: {source[:120]!r} (e.g. dc:local.2026-05-07)"
            )
        if settings is not None and settings.dc_url:
            check_feed_url(settings.dc_url)
        return
    if is_pa_source(source):
        from feeds.pa_source import PASourceError, open_listing

        try:
            open_listing(source)
        except PASourceError as error:
            raise FeedConfigError(str(error)) from None
        return
    check_feed_url(source, settings)


def make_poller(
    source: str, store: ResultsStore | None = None, *, settings: PollSettings | None = None
) -> Poller:
    if is_pa_source(source):
        from feeds.pa_source import PAPoller

        return PAPoller(source, store, settings=settings)
    if is_dc_source(source):
        from feeds.dc_source import DCPoller

        return DCPoller(source, store, settings=settings)
    from feeds.client import FeedPoller

    return FeedPoller(source, store, settings=settings)
