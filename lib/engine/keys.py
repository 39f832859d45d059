"""API keys: created on first start (written to DATA_DIR/api_key, mode 0600), stored only hashed."""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from lib.engine.store import Database

KEY_PREFIX = "jgl_"  # "JoggAI local": lets a user tell an engine key from a cloud key at a glance


@dataclass(frozen=True)
class KeyOwner:
    """The account an API key belongs to."""

    key_id: int
    username: str
    email: str


def hash_key(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def new_key() -> str:
    """A fresh random key."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def register_key(db: Database, key: str, *, username: str = "local", email: str = "local@localhost") -> int:
    """Store a key's hash and return its id."""
    cur = db.conn.execute(
        "INSERT INTO api_keys (key_hash, username, email, created_at) VALUES (?, ?, ?, ?)",
        (hash_key(key), username, email, int(time.time())),
    )
    return int(cur.lastrowid)


def write_secret_file(path: Path, text: str) -> None:
    """Create `path` with mode 0600 from the start (never briefly world-readable)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def ensure_first_key(db: Database, key_file: Path) -> bool:
    """On first start create a key and write it to `key_file`; True when one was created.

    If the key file exists but its key is unknown to the database (a deleted database), the file's key
    is registered again so the dashboard that reads the file keeps working.
    """
    if key_file.exists():
        key = key_file.read_text().strip()
        if key and db.conn.execute("SELECT 1 FROM api_keys WHERE key_hash = ?", (hash_key(key),)).fetchone():
            return False
        if key:
            register_key(db, key)
            return False
    key = new_key()
    register_key(db, key)
    write_secret_file(key_file, key + "\n")
    return True


def add_key(db: Database, *, username: str = "local") -> str:
    """Create and register an extra key; the caller shows it once."""
    key = new_key()
    register_key(db, key, username=username, email=f"{username}@localhost")
    return key


def owner_of(db: Database, key: str) -> KeyOwner | None:
    """The account for `key`, or None when it is not a valid key."""
    if not key:
        return None
    row = db.conn.execute(
        "SELECT id, username, email FROM api_keys WHERE key_hash = ?", (hash_key(key),)
    ).fetchone()
    if row is None:
        return None
    return KeyOwner(key_id=int(row["id"]), username=row["username"], email=row["email"])
