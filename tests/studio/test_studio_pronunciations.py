"""The pronunciation lexicon: its store, how a script is respelled, and that the submission path applies it."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.joggai import CreateVideoRequest
from lib.studio.history import JobHistory
from lib.studio.pronunciations import Pronunciation, PronunciationStore, speak, spoken_request
from lib.studio.submission import Origin, SubmissionStore, Submitter, Target
from tests.studio.fakes import ScriptedClient

LEXICON = [Pronunciation("Quentum", "Kwentum"), Pronunciation("JoggAI", "Jog A I"), Pronunciation("Jogg", "Jog"),
           Pronunciation("Nginx", "engine x")]


@pytest.mark.parametrize(("script", "spoken"), [
    ("Quentum is here.", "Kwentum is here."),
    ("QUENTUM, quentum; Quentum!", "Kwentum, Kwentum; Kwentum!"),  # any case, punctuation kept
    ("Quentum's app (Quentum) — \"Quentum\"?", "Kwentum's app (Kwentum) — \"Kwentum\"?"),
    ("Quentums and SubQuentum stay", "Quentums and SubQuentum stay"),  # whole words only
    ("Quentum2 and Quentum_x stay", "Quentum2 and Quentum_x stay"),
    ("JoggAI, not Jogg.", "Jog A I, not Jog."),  # the longer word wins where both could match
    ("Served by Nginx.", "Served by engine x."),
    ("Nothing to change.", "Nothing to change."),
    ("", ""),
])
def test_words_are_respelled_whole_and_any_case(script: str, spoken: str) -> None:
    assert speak(script, LEXICON) == spoken


def test_applying_twice_changes_nothing_more() -> None:
    # A respelling that contains its own word would grow on every pass without the guard.
    lexicon = [Pronunciation("SQL", "SQL sequel"), Pronunciation("Quentum", "Kwen tum"),
               Pronunciation("tum", "toom")]  # a word inside another's respelling is not respelled again
    once = speak("SQL at Quentum, tum.", lexicon)
    assert once == "SQL sequel at Kwen tum, toom."
    assert speak(once, lexicon) == once
    request = CreateVideoRequest(avatar_id=1, voice_id="v", script="SQL at Quentum, tum.")
    assert spoken_request(spoken_request(request, lexicon), lexicon).script == once


def test_audio_requests_and_empty_lexicons_are_left_alone() -> None:
    audio = CreateVideoRequest(avatar_id=1, voice_id="v", audio_url="https://example.org/a.mp3")
    assert spoken_request(audio, LEXICON) is audio
    scripted = CreateVideoRequest(avatar_id=1, voice_id="v", script="Quentum")
    assert spoken_request(scripted, []) is scripted


def test_the_store_keeps_one_row_per_word_in_any_case(tmp_path: Path) -> None:
    store = PronunciationStore(tmp_path / "studio.sqlite3")
    store.set("Quentum", "Kwentum")
    store.set("quentum", "Kwen tum")  # the same word: changed, not added
    store.set(" Nginx ", " engine x ")
    assert store.entries() == [Pronunciation("Nginx", "engine x"), Pronunciation("quentum", "Kwen tum")]
    store.delete("QUENTUM")
    assert PronunciationStore(store.path).entries() == [Pronunciation("Nginx", "engine x")]
    with pytest.raises(ValueError, match="spoken"):
        store.set("Quentum", " ")
    with pytest.raises(ValueError, match="twice"):
        store.replace_all([Pronunciation("A1", "a one"), Pronunciation("a1", "ay one")])
    assert store.entries() == [Pronunciation("Nginx", "engine x")]  # a refused table changes nothing
    store.replace_all([Pronunciation("Quentum", "Kwentum")])
    assert store.entries() == [Pronunciation("Quentum", "Kwentum")]


def test_the_submission_path_sends_and_records_the_spoken_script(tmp_path: Path) -> None:
    history = JobHistory(tmp_path / "history.sqlite3")
    PronunciationStore(history.path).set("Quentum", "Kwentum")
    sent: list[str] = []

    class RecordingClient(ScriptedClient):
        def create_avatar_video(self, request, *, idempotency_key=None):
            sent.append(request.script)
            return super().create_avatar_video(request, idempotency_key=idempotency_key)

    flow = Submitter(SubmissionStore(history.path), history, RecordingClient("vid-1", "vid-2"),
                     Target("local", "http://127.0.0.1:9", idempotent=True))
    outcome = flow.submit(CreateVideoRequest(avatar_id=1, voice_id="v", script="Meet Quentum."), key="k1",
                          origin=Origin.compose("c1"))
    assert sent == ["Meet Kwentum."]
    assert outcome.job.request["voice"]["script"] == "Meet Kwentum."
    # Sending the stored (already spoken) request again under a new key speaks it the same way.
    flow.submit(flow.store.get("k1").request, key="k2", origin=Origin.compose("c2"))
    assert sent == ["Meet Kwentum.", "Meet Kwentum."]


def test_an_edited_table_becomes_entries() -> None:
    from lib.studio.pronunciations import from_table
    assert from_table([(" Quentum ", "Kwentum"), ("", ""), (None, None), ("Acme", "")]) == [
        Pronunciation("Quentum", "Kwentum"), Pronunciation("Acme", "")]  # a half-filled row is kept, to be refused


def test_a_backend_that_reads_ext_gets_the_script_as_written_and_the_words_it_uses() -> None:
    lexicon = [*LEXICON, Pronunciation("Acme", "Ak me", "'akmi")]
    request = CreateVideoRequest(avatar_id=1, voice_id="v", script="Acme on Nginx.", ext={"resolution": "1080p"})
    sent = spoken_request(request, lexicon, ext=True)
    assert sent.script == "Acme on Nginx."
    assert sent.ext == {"resolution": "1080p", "pronunciations": [  # in lexicon order
        {"word": "Nginx", "respelling": "engine x"}, {"word": "Acme", "respelling": "Ak me", "phonemes": "'akmi"}]}
    assert spoken_request(sent, lexicon, ext=True) == sent  # a stored request sent again: the same
    assert spoken_request(sent, [], ext=True).ext == {"resolution": "1080p"}  # a word taken out of the lexicon
    plain = CreateVideoRequest(avatar_id=1, voice_id="v", script="Nothing listed.")
    assert spoken_request(plain, lexicon, ext=True) is plain


def test_phonemes_are_kept_and_checked_and_an_older_lexicon_gains_the_column(tmp_path: Path) -> None:
    import sqlite3
    path = tmp_path / "studio.sqlite3"
    with sqlite3.connect(path) as db:  # the table as the first lexicon made it
        db.execute("CREATE TABLE pronunciations (word TEXT NOT NULL PRIMARY KEY COLLATE NOCASE, "
                   "respelling TEXT NOT NULL, updated_at REAL NOT NULL)")
        db.execute("INSERT INTO pronunciations VALUES ('Quentum', 'Kwentum', 0)")
    store = PronunciationStore(path)
    assert store.entries() == [Pronunciation("Quentum", "Kwentum")]
    store.set("Nginx", "engine x", " 'EndZIn ")
    assert store.entries()[0] == Pronunciation("Nginx", "engine x", "'EndZIn")
    with pytest.raises(ValueError, match="phonemes for 'Acme'"):
        store.set("Acme", "Ak me", "ak]]me")
    with pytest.raises(ValueError, match="spoken"):
        store.set("Acme", "", "'akmi")  # every backend needs the respelling; phonemes reach only the engine


def test_the_submission_path_sends_the_lexicon_as_ext_to_a_backend_that_reads_it(tmp_path: Path) -> None:
    history = JobHistory(tmp_path / "history.sqlite3")
    PronunciationStore(history.path).set("Quentum", "Kwentum", "kw'Ent@m")
    sent: list[CreateVideoRequest] = []

    class RecordingClient(ScriptedClient):
        def create_avatar_video(self, request, *, idempotency_key=None):
            sent.append(request)
            return super().create_avatar_video(request, idempotency_key=idempotency_key)

    flow = Submitter(SubmissionStore(history.path), history, RecordingClient("vid-1"),
                     Target("local", "http://127.0.0.1:9", idempotent=True, ext=True))
    flow.submit(CreateVideoRequest(avatar_id=1, voice_id="v", script="Meet Quentum."), key="k1",
                origin=Origin.compose("c1"))
    [request] = sent
    assert request.script == "Meet Quentum."
    assert request.ext == {"pronunciations": [{"word": "Quentum", "respelling": "Kwentum", "phonemes": "kw'Ent@m"}]}


def test_the_same_key_again_carries_the_body_it_first_carried(tmp_path: Path) -> None:
    from lib.joggai import errors

    history = JobHistory(tmp_path / "history.sqlite3")
    lexicon = PronunciationStore(history.path)
    lexicon.set("Quentum", "Kwentum")
    sent: list[CreateVideoRequest] = []

    class RecordingClient(ScriptedClient):
        def create_avatar_video(self, request, *, idempotency_key=None):
            sent.append(request)
            return super().create_avatar_video(request, idempotency_key=idempotency_key)

    client = RecordingClient(errors.TimeoutError("no answer within 15 s"), "vid-1")
    flow = Submitter(SubmissionStore(history.path), history, client,
                     Target("local", "http://127.0.0.1:9", idempotent=True, ext=True))
    request = CreateVideoRequest(avatar_id=1, voice_id="v", script="Meet Quentum.")
    assert flow.submit(request, key="k1", origin=Origin.compose("c1")).kind.value == "unconfirmed"
    lexicon.set("Quentum", "Kwen tum", "kw'Ent@m")  # changed before the automatic retry under the same key
    assert flow.submit(request, key="k1", origin=Origin.compose("c1")).job.video_id == "vid-1"
    assert sent[1] == sent[0] and client.calls == ["k1", "k1"]  # the engine sees the same body again
    assert sent[0].ext == {"pronunciations": [{"word": "Quentum", "respelling": "Kwentum"}]}
