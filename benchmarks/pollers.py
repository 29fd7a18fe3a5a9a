"""Many viewers polling one night: ``serve`` (the replay server, uvicorn) against nginx
serving the files ``publish`` writes, at 50, 200 and 500 concurrent pollers, in one run.

The load comes from wrk (Debian's ``wrk``) in its own process over loopback: each connection
polls as the app does, for the changes after the seq it holds with its ETag (the unchanged
feed's 304), and, second, without a validator (a 200 with the changes after a recent seq).
Both servers get one worker process; wrk has two threads. Answers per second and p99
latency are wrk's own.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from benchmarks.harness import ROOT, TOKEN, Figure
from scripts.servers import free_port, wait_until_listening

NIGHT = ROOT / "feeds" / "recordings" / "local-2022-05-05.jsonl.gz"
WRK = shutil.which("wrk")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
AT = "14h"  # a moment with most of the night declared


def _wrk(url: str, connections: int, seconds: int, etag: str | None) -> tuple[float, float]:
    """Answers per second and p99 latency (ms) from wrk."""
    assert WRK is not None
    command = [WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if etag:
        command += ["-H", f"If-None-Match: {etag}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    assert p99 is not None, out
    value, unit = float(p99.group(1)), p99.group(2)
    return rate, value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def _serve() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui.cli",
            "serve",
            str(NIGHT),
            "--port",
            str(port),
            "--start",
            AT,
            "--token",
            TOKEN,
        ],  # fmt: skip
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until_listening(process, port)
    base = f"http://127.0.0.1:{port}"
    httpx.post(
        f"{base}/replay/pause", headers={"Authorization": f"Bearer {TOKEN}"}
    ).raise_for_status()
    return process, base


def _published(directory: Path) -> None:
    from feeds.publish import Publisher
    from feeds.replay import open_replay

    feed = open_replay(NIGHT, speed=1.0, start=AT, paused=True)
    Publisher(directory).publish(feed, feed.sync())


def _nginx(site: Path, work: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    conf = work / "nginx.conf"
    conf.write_text(
        f"""
daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 2048; }}
http {{
    types {{ application/json json; }}
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        root {site};
        location / {{ add_header Cache-Control "no-cache"; }}
    }}
}}
"""
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(work), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until_listening(process, port)
    return process, f"http://127.0.0.1:{port}"


def _target(base: str, static: bool) -> tuple[str, str, str]:
    """The URL a poller up to date asks for, its ETag, and the URL of a recent change."""
    if static:
        seq = json.loads(httpx.get(f"{base}/feed.json").content)["seq"]
        now, recent = f"{base}/changes/{seq}.json", f"{base}/changes/{seq - 5}.json"
    else:
        seq = json.loads(httpx.get(f"{base}/feed").content)["seq"]
        now, recent = f"{base}/feed?since={seq}", f"{base}/feed?since={seq - 5}"
    etag = httpx.get(now).headers["ETag"]
    assert httpx.get(now, headers={"If-None-Match": etag}).status_code == 304
    return now, etag, recent


def bench_pollers(seconds: int = 5, counts: tuple[int, ...] = (50, 200, 500)) -> list[Figure]:
    if WRK is None or not Path(NGINX).exists():
        print("pollers: needs Debian's wrk and nginx (apt-get install wrk nginx); skipped")
        return []
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        work.chmod(0o755)  # nginx's workers (nobody) read the site
        site = work / "site"
        site.mkdir(mode=0o755)
        _published(site)
        serve, serve_url = _serve()
        nginx, nginx_url = _nginx(site, work)
        try:
            targets = {"serve": _target(serve_url, False), "nginx": _target(nginx_url, True)}
            for count in counts:
                for mode in ("304", "200"):
                    rates: dict[str, tuple[float, float]] = {}
                    for name, (now, etag, recent) in targets.items():
                        if mode == "304":
                            rates[name] = _wrk(now, count, seconds, etag)
                        else:
                            rates[name] = _wrk(recent, count, seconds, None)
                    (s_rate, s_p99), (n_rate, n_p99) = rates["serve"], rates["nginx"]
                    what = "unchanged (304)" if mode == "304" else "changes (200)"
                    figures.append(
                        Figure(
                            f"{count} pollers, {what}: answers/s, nginx serving publish",
                            n_rate,
                            "/s",
                            s_rate,
                            "serve (uvicorn)",
                            "comparison",
                            True,
                            f"ratio {n_rate / s_rate:.1f}x; p99 {n_p99:.1f} ms "
                            f"(serve {s_p99:.1f} ms)",
                        )  # fmt: skip
                    )
                    figures.append(
                        Figure(
                            f"{count} pollers, {what}: p99 latency, nginx serving publish",
                            n_p99,
                            "ms",
                            s_p99,
                            "serve (uvicorn)",
                            "comparison",
                            True,
                        )  # fmt: skip
                    )
        finally:
            for process in (serve, nginx):
                process.terminate()
                process.wait(10)
    return figures
