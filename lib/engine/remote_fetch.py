"""Download a user-supplied URL without letting it reach private networks (SSRF-safe).

Only http(s). The host is resolved once and every resolved address must be public; the connection
then goes to that checked address (so DNS cannot change its answer in between), and every redirect
hop is checked the same way. Size and total time are bounded, so a server that streams forever or
trickles bytes is cut off.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

MAX_REDIRECTS = 5
CHUNK = 64 * 1024

AddressPolicy = Callable[[ipaddress.IPv4Address | ipaddress.IPv6Address], bool]


class FetchRejected(ValueError):
    """The URL may not be fetched or its answer is unusable; the message is user-facing."""


@dataclass(frozen=True)
class FetchResult:
    path: Path
    size: int
    content_type: str
    final_url: str


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable unicast only: no loopback, private, link-local, multicast, reserved..."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def resolve_checked(host: str, port: int, allow: AddressPolicy, field: str = "voice.audio_url") -> str:
    """Resolve `host` and return one address to connect to; reject when any answer is not allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchRejected(f"{field}: cannot resolve host {host!r}") from None
    addresses = []
    for info in infos:
        raw = info[4][0].split("%", 1)[0]  # drop an IPv6 zone id
        addresses.append(ipaddress.ip_address(raw))
    if not addresses:
        raise FetchRejected(f"{field}: cannot resolve host {host!r}")
    # All answers must be allowed: a mixed answer is a classic way to slip a private address in.
    if not all(allow(address) for address in addresses):
        raise FetchRejected(f"{field} must point to a public internet address "
                            "(private, loopback and link-local addresses are not fetched)")
    return str(addresses[0])


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked IP address while verifying the certificate for the original host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _open(url: str, allow: AddressPolicy, timeout: float, field: str) -> tuple[http.client.HTTPConnection,
                                                                               http.client.HTTPResponse]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchRejected(f"{field} must be an http or https URL")
    host = parts.hostname
    if not host:
        raise FetchRejected(f"{field} has no host")
    if parts.username or parts.password:
        raise FetchRejected(f"{field} must not contain a user name or password")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise FetchRejected(f"{field} has an invalid port") from None
    address = resolve_checked(host, port, allow, field)
    if scheme == "https":
        conn: http.client.HTTPConnection = _PinnedHTTPSConnection(host, port, address, timeout)
    else:
        conn = http.client.HTTPConnection(address, port, timeout=timeout)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]" if parts.port is None else f"[{host}]:{parts.port}"
    try:
        conn.request("GET", target, headers={"Host": host_header, "User-Agent": "AvatarStudio-Engine/0.1",
                                             "Accept": "*/*"})
        return conn, conn.getresponse()
    except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
        conn.close()
        raise FetchRejected(f"{field} could not be downloaded ({type(exc).__name__})") from None


def fetch_to_file(
    url: str,
    dest: Path,
    *,
    max_bytes: int,
    timeout: float = 30.0,
    allow: AddressPolicy = is_public_address,
    field: str = "voice.audio_url",
) -> FetchResult:
    """Download `url` into `dest`, following at most 5 checked redirects, within `max_bytes` and `timeout`.

    `field` names the request field in every refusal (the messages are the user's 40000)."""
    deadline = time.monotonic() + timeout
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchRejected(f"{field} took longer than {timeout:.0f} s to download")
        conn, response = _open(current, allow, min(remaining, 10.0), field)
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise FetchRejected(f"{field} redirected without a Location")
                current = urljoin(current, location)
                continue
            if response.status != 200:
                raise FetchRejected(f"{field} answered HTTP {response.status}")
            declared = response.getheader("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchRejected(f"{field} is larger than {max_bytes // (1024 * 1024)} MB")
            size = _stream_body(response, dest, max_bytes=max_bytes, deadline=deadline, timeout=timeout,
                                field=field)
            return FetchResult(path=dest, size=size, content_type=response.getheader("Content-Type", ""),
                               final_url=current)
        finally:
            conn.close()
    raise FetchRejected(f"{field} redirected more than {MAX_REDIRECTS} times")


def _stream_body(response: http.client.HTTPResponse, dest: Path, *, max_bytes: int, deadline: float,
                 timeout: float, field: str) -> int:
    size = 0
    tmp = dest.with_name(dest.name + ".part")
    try:
        with open(tmp, "wb") as out:
            while True:
                if time.monotonic() > deadline:
                    raise FetchRejected(f"{field} took longer than {timeout:.0f} s to download")
                try:
                    chunk = response.read1(CHUNK)
                except (OSError, http.client.HTTPException):
                    raise FetchRejected(f"{field}: the download was interrupted") from None
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise FetchRejected(f"{field} is larger than {max_bytes // (1024 * 1024)} MB")
                out.write(chunk)
        if size == 0:
            raise FetchRejected(f"{field} returned an empty file")
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)
    return size
