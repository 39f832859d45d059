"""Share links: signed tokens that name one video or one comparison, with an expiry, revocable.

A link is ``/share?t=<token>``. The token is ``<payload>.<signature>``, both base64url: the payload is
compact JSON ``{"l": link id, "k": "v"|"x", "b": backend, "i": video or experiment id, "e": expiry}``
(``e`` 0 = never) and the signature is HMAC-SHA256 of the payload with a secret kept in the studio's
data dir (``share-secret``, mode 0600, created on first use). Changing any byte, or naming another
video, breaks the signature. Each link is also a row in the studio's SQLite (``share_links``): that row
carries "allow download" and is what revoking marks, so a revoked link stays dead even though its
signature is still good. No Streamlit here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from lib.studio.sqlite_store import SqliteStore

MAX_TOKEN_LENGTH = 600  # a real token is ~150 characters; anything much longer is not ours
VIDEO, COMPARISON = "v", "x"
DAY = 86_400.0
EXPIRY_CHOICES: dict[str, float | None] = {"1 day": DAY, "7 days": 7 * DAY, "30 days": 30 * DAY, "Never": None}
DEFAULT_EXPIRY = "7 days"


class LinkState(Enum):
    """What a token turned out to be; the share page words each one plainly."""

    VALID = "valid"
    TAMPERED = "tampered"  # not signed by this studio: edited, truncated, or not a token at all
    EXPIRED = "expired"
    REVOKED = "revoked"  # or no longer known to this studio


LINK_PROBLEMS = {
    LinkState.TAMPERED: "This share link is not valid: it was changed or is incomplete. Ask for the link again.",
    LinkState.EXPIRED: "This share link has expired. Ask the person who shared it for a new one.",
    LinkState.REVOKED: "This share link was revoked by the person who shared it.",
}


@dataclass(frozen=True)
class ShareTarget:
    """What a link shows: one video (``kind`` VIDEO) or one experiment's comparison (COMPARISON)."""

    kind: str
    backend: str
    target_id: str


@dataclass(frozen=True)
class ShareLink:
    """One stored link (never the token's secret; the token itself can be rebuilt from these fields)."""

    link_id: str
    kind: str
    backend: str
    target_id: str
    created_at: float
    expires_at: float | None
    allow_download: bool
    revoked_at: float | None
    token: str

    @property
    def target(self) -> ShareTarget:
        """What the link shows."""
        return ShareTarget(self.kind, self.backend, self.target_id)

    def is_active(self, now: float) -> bool:
        """Not revoked and not expired."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


@dataclass(frozen=True)
class Verdict:
    """A checked token: its state and, when valid, the stored link."""

    state: LinkState
    link: ShareLink | None = None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_secret(path: Path) -> bytes:
    """The signing secret at ``path``; created (32 random bytes, mode 0600) when missing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(descriptor, "w") as handle:  # O_EXCL: two sessions starting at once agree on one secret
        handle.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def sign(secret: bytes, payload: dict) -> str:
    """The token for ``payload`` (compact JSON, signed)."""
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())}"


def read_token(secret: bytes, token: str) -> dict | None:
    """The payload of a token this studio signed, or None (garbage, too long, wrong signature)."""
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_LENGTH or token.count(".") != 1:
        return None
    body, signature = token.split(".")
    expected = _b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())
    # Compared as text, not decoded: base64's last character carries spare bits a decoder ignores,
    # so decoding first would let a second spelling of the same signature pass.
    if not hmac.compare_digest(signature.encode("ascii", "replace"), expected.encode("ascii")):
        return None
    try:
        payload = json.loads(_unb64(body))
    except (binascii.Error, ValueError):
        return None
    fields = {"l": str, "k": str, "b": str, "i": str, "e": (int, float)}
    if not isinstance(payload, dict) or any(not isinstance(payload.get(name), kind) for name, kind in fields.items()):
        return None
    return payload


_SCHEMA = """
CREATE TABLE IF NOT EXISTS share_links (
    link_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    backend TEXT NOT NULL,
    target_id TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL,
    allow_download INTEGER NOT NULL DEFAULT 0,
    revoked_at REAL,
    token TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS share_links_target ON share_links (kind, backend, target_id);
"""


class ShareLinks(SqliteStore):
    """Creates, checks, lists and revokes share links (rows in the studio's SQLite)."""

    schema = _SCHEMA

    def __init__(self, path: Path, secret: bytes) -> None:
        super().__init__(path)
        self._secret = secret

    def __repr__(self) -> str:  # the secret never lands in a log
        return f"ShareLinks({str(self.path)!r})"

    def create(self, target: ShareTarget, *, lifetime: float | None, allow_download: bool,
               now: float | None = None) -> ShareLink:
        """A new link for ``target`` that expires after ``lifetime`` seconds (None: never)."""
        now = time.time() if now is None else now
        expires_at = None if lifetime is None else now + lifetime
        link_id = secrets.token_urlsafe(9)
        token = sign(self._secret, {"l": link_id, "k": target.kind, "b": target.backend, "i": target.target_id,
                                    "e": int(expires_at) if expires_at is not None else 0})
        with self._connect() as db:
            db.execute("INSERT INTO share_links (link_id, kind, backend, target_id, created_at, expires_at, "
                       "allow_download, token) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (link_id, target.kind, target.backend, target.target_id, now,
                        None if expires_at is None else int(expires_at), int(allow_download), token))
        link = self.get(link_id)
        assert link is not None
        return link

    def get(self, link_id: str) -> ShareLink | None:
        """One stored link by id."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM share_links WHERE link_id = ?", (link_id,)).fetchone()
        return _link(row) if row else None

    def verify(self, token: str, now: float | None = None) -> Verdict:
        """Check a token: signature first, then expiry, then the stored row (revoked or unknown)."""
        now = time.time() if now is None else now
        payload = read_token(self._secret, token)
        if payload is None:
            return Verdict(LinkState.TAMPERED)
        if payload["e"] and payload["e"] <= now:
            return Verdict(LinkState.EXPIRED)
        link = self.get(payload["l"])
        if link is None or link.revoked_at is not None:
            return Verdict(LinkState.REVOKED)
        if link.target != ShareTarget(payload["k"], payload["b"], payload["i"]):
            return Verdict(LinkState.TAMPERED)
        return Verdict(LinkState.VALID, link)

    def for_target(self, target: ShareTarget, now: float | None = None) -> list[ShareLink]:
        """The target's active links, newest first."""
        now = time.time() if now is None else now
        with self._connect() as db:
            rows = db.execute("SELECT * FROM share_links WHERE kind = ? AND backend = ? AND target_id = ? "
                              "ORDER BY created_at DESC", (target.kind, target.backend, target.target_id)).fetchall()
        return [link for link in map(_link, rows) if link.is_active(now)]

    def revoke(self, link_id: str, now: float | None = None) -> None:
        """Kill a link for good (its token then says "revoked")."""
        with self._connect() as db:
            db.execute("UPDATE share_links SET revoked_at = ? WHERE link_id = ? AND revoked_at IS NULL",
                       (time.time() if now is None else now, link_id))


def _link(row) -> ShareLink:
    return ShareLink(row["link_id"], row["kind"], row["backend"], row["target_id"], row["created_at"],
                     row["expires_at"], bool(row["allow_download"]), row["revoked_at"], row["token"])


def share_link_url(browser_url: str | None, token: str, slug: str = "share") -> str:
    """The absolute link built from the address the owner's browser used (relative when unknown)."""
    parts = urlsplit(browser_url or "")
    query = urlencode({"t": token})
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return f"{origin}/{slug}?{query}"
