"""``publish``: a night as static files, served by a real nginx on 127.0.0.1 and followed by
the app's own client. Skipped, with the reason, only where Debian's nginx is not installed
(``.ci/run`` installs it)."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from feeds.client import FeedPoller, poll_forever
from feeds.polling import PollSettings, Unchanged, Updated
from feeds.publish import Publisher, publish_replay, with_changes_path
from feeds.recording import Recording
from feeds.replay import ReplayFeed, VirtualClock
from feeds.summary import as_json, summarise
from scripts.servers import free_port, wait_until_listening
from tests.conftest import cut_to_region

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
needs_nginx = pytest.mark.skipif(
    not Path(NGINX).exists(), reason="Debian's nginx is not installed (.ci/run installs it)"
)


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """nginx serving ``site/`` on a free port, as a newsroom would: ETags on, no-cache."""
    site = tmp_path / "site"
    site.mkdir()
    port = free_port()
    log = tmp_path / "access.log"
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"""
daemon off;
master_process off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log warn;
events {{ worker_connections 256; }}
http {{
    types {{ application/json json; }}
    access_log {log};
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {site};
        etag on;
        location / {{ add_header Cache-Control "no-cache"; }}
    }}
}}
"""
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_listening(process, port)
        yield f"http://127.0.0.1:{port}", site, log
    finally:
        process.terminate()
        process.wait(10)


@needs_nginx
def test_a_published_night_followed_through_nginx_to_its_final_state(
    nginx: tuple[str, Path, Path], bundled_recording: Recording
) -> None:
    url, site, log = nginx
    night = cut_to_region(bundled_recording)
    # The North East's night in about eight seconds of real time.
    clock = VirtualClock(night.duration_ms, speed=night.duration_ms / 8000)
    feed = ReplayFeed(night, clock, poll_after=0.2)
    done, first_files = threading.Event(), threading.Event()

    def written() -> bool:  # publish_replay asks after each round of files
        first_files.set()
        return False

    publisher = threading.Thread(
        target=lambda: (publish_replay(feed, site, interval=0.2, stop=written), done.set()),
        daemon=True,
    )
    publisher.start()
    assert first_files.wait(10)

    async def follow() -> FeedPoller:
        # The app's own poll loop, as `watch` runs it, until the night has ended and the
        # feed has answered "unchanged".
        poller = FeedPoller(f"{url}/feed.json", settings=PollSettings(interval=0.2))
        stop = asyncio.Event()
        outcomes = []

        def take(outcome) -> None:  # noqa: ANN001
            outcomes.append(outcome)
            if done.is_set() and isinstance(outcome, Unchanged):
                stop.set()

        try:
            await asyncio.wait_for(poll_forever(poller, take, stop), 60)
            assert sum(isinstance(o, Updated) and not o.snapshot for o in outcomes) >= 5
            return poller
        finally:
            await poller.aclose()

    poller = asyncio.run(follow())
    publisher.join(10)
    final = night.state_at(night.duration_ms)
    assert as_json(summarise(poller.store))["scoreboard"] == as_json(summarise(final))["scoreboard"]
    assert poller.store.wards == final.wards and poller.store.councils == final.councils
    assert poller.status.not_modified >= 1  # nginx's own ETag and 304
    requests = log.read_text().splitlines()
    assert any('"GET /changes/' in line and '" 200 ' in line for line in requests)
    assert any('"GET /changes/' in line and '" 304 ' in line for line in requests)
    assert not [line for line in requests if '" 404 ' in line]


def test_the_files_are_whole_and_only_the_window_is_kept(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    night = cut_to_region(bundled_recording)
    clock = VirtualClock(night.duration_ms, speed=1.0, paused=True)
    feed = ReplayFeed(night, clock)
    publisher = Publisher(tmp_path, window=3)
    clock.seek(night.duration_ms)
    seq = feed.sync()
    assert publisher.publish(feed, seq) and not publisher.publish(feed, seq)  # once per seq
    snapshot = json.loads((tmp_path / "feed.json").read_bytes())
    assert snapshot["changes_path"] == "changes/" and snapshot["seq"] == seq
    kept = sorted(int(p.stem) for p in (tmp_path / "changes").glob("*.json"))
    assert kept == list(range(seq - 3, seq + 1))
    latest = json.loads((tmp_path / "changes" / f"{seq}.json").read_bytes())
    assert latest["kind"] == "changes" and latest["since"] == latest["seq"] == seq
    assert not list(tmp_path.rglob("*.tmp"))  # temp files renamed, none left
    with pytest.raises(ValueError):
        with_changes_path(b"[]")


def test_a_client_behind_the_files_kept_takes_the_snapshot_again(
    tmp_path: Path, bundled_recording: Recording
) -> None:
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    from feeds.replay_server import ServerThread

    night = cut_to_region(bundled_recording)
    clock = VirtualClock(night.duration_ms, speed=1.0, paused=True)
    feed = ReplayFeed(night, clock)
    publisher = Publisher(tmp_path, window=2)
    clock.seek(night.duration_ms / 3)
    publisher.publish(feed, feed.sync())
    app = Starlette(routes=[Mount("/", StaticFiles(directory=tmp_path))])

    async def follow(url: str) -> None:
        poller = FeedPoller(f"{url}/feed.json")
        try:
            first = await poller.poll()
            assert isinstance(first, Updated) and first.snapshot
            held = poller.store.seq
            clock.seek(night.duration_ms)  # far ahead: the changes after `held` are gone
            publisher.publish(feed, feed.sync())
            assert not (tmp_path / "changes" / f"{held}.json").exists()
            second = await poller.poll()
            assert isinstance(second, Updated) and second.snapshot  # 404, then the snapshot
            assert poller.store.seq == feed.index
        finally:
            await poller.aclose()

    with ServerThread(app) as server:
        asyncio.run(follow(server.url))
