"""The speed test measures both directions within its time bound, slow on a throttled link, and
summarises window rates as percentiles and jitter."""

from __future__ import annotations

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from diagnostics.bandwidth import measure, percentile, summarize

PAYLOAD = os.urandom(64 * 1024)


class SpeedTest(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    delay = 0.0  # seconds per 64 KiB block: throttles the link

    def log_message(self, *args):
        pass

    def do_GET(self):
        size = int(parse_qs(urlparse(self.path).query)["bytes"][0])
        size = min(size, 50_000_000)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        try:
            while size > 0:
                chunk = PAYLOAD[: min(size, len(PAYLOAD))]
                self.wfile.write(chunk)
                size -= len(chunk)
                if self.delay:
                    time.sleep(self.delay)
        except OSError:
            pass

    def do_POST(self):
        start, remaining, received = time.monotonic(), int(self.headers["Content-Length"]), 0
        try:
            while remaining > 0:
                block = self.rfile.read(min(remaining, 65536))
                if not block:
                    return
                received += len(block)
                remaining -= len(block)
                if self.delay:
                    time.sleep(self.delay)
        except OSError:
            return
        body = json.dumps(
            {"bytes_received": received, "seconds": time.monotonic() - start}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def speed_server():
    servers = []

    def start(delay=0.0):
        handler = type("Handler", (SpeedTest,), {"delay": delay})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_loopback_bandwidth_is_measured_within_the_time_bound(speed_server):
    url = speed_server()
    started = time.monotonic()

    fact = measure(url, seconds=2.0, streams=3)

    elapsed = time.monotonic() - started
    assert elapsed < 4.0
    # Loopback is far faster than the exam's 4 Mbps, even under wine on a busy machine.
    assert fact["download_mbps_p10"] > 4
    assert fact["upload_mbps_p10"] > 4
    assert fact["download_mbps_p10"] <= fact["download_mbps_median"]
    assert fact["download_jitter_mbps"] >= 0
    assert fact["streams"] == 3


def test_a_throttled_link_measures_slow(speed_server):
    url = speed_server(delay=0.2)  # 64 KiB per 200 ms per stream: about 2.6 Mbps each

    fact = measure(url, seconds=2.0, streams=1, warmup=0.25)

    assert 0.5 < fact["download_mbps_median"] < 8


def test_an_unreachable_server_raises_so_the_probe_becomes_unknown():
    with pytest.raises(RuntimeError, match="download failed"):
        measure("http://127.0.0.1:9", seconds=0.6, streams=2)


def test_percentiles_and_jitter_of_window_rates():
    rates = [10.0, 12.0, 8.0, 30.0, 11.0]

    summary = summarize(rates)

    assert summary == {"p10": 8.8, "median": 11.0, "jitter": 11.75}
    assert percentile([5.0], 0.1) == 5.0
    assert summarize([]) is None
