"""Share tokens: signed, naming one target, expiring, revocable; garbage and tampering are refused."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from lib.studio.share_links import (
    COMPARISON,
    DAY,
    MAX_TOKEN_LENGTH,
    VIDEO,
    LinkState,
    ShareLinks,
    ShareTarget,
    load_secret,
    share_link_url,
    sign,
)

NOW = 1_800_000_000.0


@pytest.fixture
def links(tmp_path: Path) -> ShareLinks:
    return ShareLinks(tmp_path / "history.sqlite3", load_secret(tmp_path / "share-secret"))


def test_secret_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    first = load_secret(tmp_path / "share-secret")
    assert len(first) == 32 and load_secret(tmp_path / "share-secret") == first
    assert stat.S_IMODE((tmp_path / "share-secret").stat().st_mode) == 0o600


def test_round_trip_names_its_target_and_options(links: ShareLinks) -> None:
    target = ShareTarget(VIDEO, "local", "abc123")
    link = links.create(target, lifetime=7 * DAY, allow_download=True, now=NOW)
    verdict = links.verify(link.token, now=NOW + 6 * DAY)
    assert verdict.state is LinkState.VALID
    assert verdict.link.target == target and verdict.link.allow_download
    assert links.for_target(target, now=NOW) == [link]
    comparison = links.create(ShareTarget(COMPARISON, "", "exp-1"), lifetime=None, allow_download=False, now=NOW)
    assert links.verify(comparison.token, now=NOW + 10_000 * DAY).state is LinkState.VALID


def test_expired_and_revoked_say_so(links: ShareLinks) -> None:
    target = ShareTarget(VIDEO, "local", "abc123")
    day = links.create(target, lifetime=DAY, allow_download=False, now=NOW)
    assert links.verify(day.token, now=NOW + DAY + 1).state is LinkState.EXPIRED
    week = links.create(target, lifetime=7 * DAY, allow_download=False, now=NOW)
    links.revoke(week.link_id, now=NOW + 1)
    assert links.verify(week.token, now=NOW + 2).state is LinkState.REVOKED
    assert links.for_target(target, now=NOW + 2) == [day]


def _payload(token: str) -> dict:
    body = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def _body(payload: dict) -> str:
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_a_token_edited_to_name_another_video_is_tampered(links: ShareLinks, tmp_path: Path) -> None:
    mine = links.create(ShareTarget(VIDEO, "local", "mine"), lifetime=DAY, allow_download=False, now=NOW)
    links.create(ShareTarget(VIDEO, "local", "theirs"), lifetime=DAY, allow_download=False, now=NOW)
    payload = {**_payload(mine.token), "i": "theirs"}
    forged = f"{_body(payload)}.{mine.token.split('.')[1]}"
    assert links.verify(forged, now=NOW).state is LinkState.TAMPERED
    # Signed with another studio's secret: just as invalid.
    other = sign(load_secret(tmp_path / "other-secret"), _payload(mine.token))
    assert links.verify(other, now=NOW).state is LinkState.TAMPERED
    # One changed character of the signature.
    flipped = mine.token[:-1] + ("A" if mine.token[-1] != "A" else "B")
    assert links.verify(flipped, now=NOW).state is LinkState.TAMPERED
    assert links.verify(mine.token, now=NOW).state is LinkState.VALID


def test_a_second_spelling_of_the_same_signature_is_tampered(links: ShareLinks) -> None:
    # A 32-byte signature is 43 base64 characters; the last one holds 4 bits of it and 2 spare bits,
    # so four letters decode to the same bytes. Only the spelling the studio wrote is the token.
    token = links.create(ShareTarget(VIDEO, "local", "mine"), lifetime=DAY, allow_download=False, now=NOW).token
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(token[-1])
    same_bytes = [letter for index, letter in enumerate(alphabet) if index >> 2 == last >> 2 and index != last]
    assert len(same_bytes) == 3
    for letter in same_bytes:
        respelled = token[:-1] + letter
        assert base64.urlsafe_b64decode(respelled.split(".")[1] + "=") == base64.urlsafe_b64decode(
            token.split(".")[1] + "=")
        assert links.verify(respelled, now=NOW).state is LinkState.TAMPERED
    assert links.verify(token, now=NOW).state is LinkState.VALID


@pytest.mark.parametrize("token", ["", "garbage", ".", "a.b.c", "%%%.%%%", "x" * 10_000,
                                   "A" * MAX_TOKEN_LENGTH + ".sig", "eyJ9.", "\x00\x01.\x02", "🙂.🙂",
                                   "'; DROP TABLE share_links; --"])
def test_garbage_and_very_long_tokens_are_refused(links: ShareLinks, token: str) -> None:
    assert links.verify(token, now=NOW).state is LinkState.TAMPERED
    links.create(ShareTarget(VIDEO, "local", "still-here"), lifetime=DAY, allow_download=False, now=NOW)
    assert len(links.for_target(ShareTarget(VIDEO, "local", "still-here"), now=NOW)) == 1


def test_a_correctly_signed_token_for_an_unknown_link_is_revoked(links: ShareLinks, tmp_path: Path) -> None:
    token = sign(load_secret(tmp_path / "share-secret"), {"l": "nope", "k": VIDEO, "b": "local", "i": "x", "e": 0})
    assert links.verify(token, now=NOW).state is LinkState.REVOKED


def test_link_url_uses_the_browser_origin() -> None:
    assert share_link_url("http://studio.lan:8501/video", "a.b") == "http://studio.lan:8501/share?t=a.b"
    assert share_link_url(None, "a.b") == "/share?t=a.b"
