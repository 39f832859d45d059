"""The SSRF-safe downloader, against real local HTTP servers.

Loopback is exactly what the default policy forbids, so the hop-by-hop tests pass a policy that
allows only the test server's own address (127.0.0.1) and prove that every other hop is refused.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lib.engine.remote_fetch import FetchRejected, fetch_to_file, is_public_address


def only_test_server(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return str(address) == "127.0.0.1"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/audio":
            self._answer(200, b"RIFF....WAVEfmt " * 8)
        elif self.path.startswith("/redirect?to="):
            self.send_response(302)
            self.send_header("Location", self.path.split("=", 1)[1])
            self.end_headers()
        elif self.path == "/big":
            self._answer(200, b"x" * 5000)
        elif self.path == "/forever":
            self.send_response(200)
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"x" * 4096)
            except OSError:
                pass
        elif self.path == "/trickle":
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
        elif self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        else:
            self._answer(404, b"no")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_fetches_an_allowed_url(server, tmp_path):
    result = fetch_to_file(server + "/audio", tmp_path / "a", max_bytes=10_000, allow=only_test_server)
    assert result.size == 128 and (tmp_path / "a").read_bytes().startswith(b"RIFF")


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/x.mp3", "http://localhost/x.mp3", "http://[::1]/x.mp3", "http://169.254.169.254/latest",
    "http://10.0.0.1/a.mp3", "http://192.168.1.1/a.mp3", "http://0.0.0.0/a.mp3", "http://[::ffff:127.0.0.1]/a",
])
def test_default_policy_refuses_private_addresses(url, tmp_path):
    with pytest.raises(FetchRejected, match="public internet address"):
        fetch_to_file(url, tmp_path / "a", max_bytes=1000, timeout=5)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/a.mp3", "gopher://x/", "//x/a"])
def test_only_http_and_https(url, tmp_path):
    with pytest.raises(FetchRejected, match="http or https"):
        fetch_to_file(url, tmp_path / "a", max_bytes=1000)


def test_redirect_to_a_private_address_is_refused_at_that_hop(server, tmp_path):
    url = server + "/redirect?to=http://169.254.169.254/latest/meta-data"
    with pytest.raises(FetchRejected, match="public internet address"):
        fetch_to_file(url, tmp_path / "a", max_bytes=1000, allow=only_test_server)
    url = server + "/redirect?to=http://127.0.0.2:1/x"
    with pytest.raises(FetchRejected, match="public internet address"):
        fetch_to_file(url, tmp_path / "a", max_bytes=1000, allow=only_test_server)


def test_redirects_are_followed_within_limits(server, tmp_path):
    result = fetch_to_file(server + "/redirect?to=/audio", tmp_path / "a", max_bytes=10_000, allow=only_test_server)
    assert result.size == 128
    with pytest.raises(FetchRejected, match="redirected more than"):
        fetch_to_file(server + "/loop", tmp_path / "b", max_bytes=1000, allow=only_test_server)


def test_size_limit_by_header_and_by_stream(server, tmp_path):
    with pytest.raises(FetchRejected, match="larger than"):
        fetch_to_file(server + "/big", tmp_path / "a", max_bytes=1000, allow=only_test_server)
    with pytest.raises(FetchRejected, match="larger than"):
        fetch_to_file(server + "/forever", tmp_path / "b", max_bytes=1024 * 1024, allow=only_test_server)
    assert not (tmp_path / "b").exists()
    assert not list(tmp_path.glob("*.part"))


def test_a_trickling_server_hits_the_time_limit(server, tmp_path):
    with pytest.raises(FetchRejected, match="longer than"):
        fetch_to_file(server + "/trickle", tmp_path / "a", max_bytes=1000, timeout=1.0, allow=only_test_server)


def test_http_errors_are_reported(server, tmp_path):
    with pytest.raises(FetchRejected, match="HTTP 404"):
        fetch_to_file(server + "/missing", tmp_path / "a", max_bytes=1000, allow=only_test_server)


def test_public_address_policy():
    assert is_public_address(ipaddress.ip_address("93.184.216.34"))
    assert is_public_address(ipaddress.ip_address("2606:2800:220:1:248:1893:25c8:1946"))
    for private in ("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.0.1", "169.254.169.254", "100.64.0.1",
                    "::1", "fe80::1", "fc00::1", "::ffff:10.0.0.1", "224.0.0.1", "0.0.0.0"):
        assert not is_public_address(ipaddress.ip_address(private)), private
