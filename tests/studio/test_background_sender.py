"""The background sender: sends stored work with no page, one per backend, one process, and after a restart
by item 3's rules (unconfirmed on the billed stand-in, the same key again on the local engine)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lib.joggai import CreateVideoRequest
from lib.studio import background_sender, batch, experiment_plans, queue_states
from lib.studio.background_sender import BackgroundSender, SenderLink, SenderStores
from lib.studio.history import JobHistory
from lib.studio.submission import Origin, SubmissionStore, Target
from tests.cloud_standin_process import StandIn
from tests.engine_process import EngineProcess
from tests.studio.fakes import ScriptedClient
from tests.studio.test_breakers import BREAKERS
from tests.studio.test_experiment_submission import BASE

BILLED = Target("cloud", "https://api.example.invalid")
pytestmark = pytest.mark.timeout(180)


def stored_batch(db: Path, rows: int, backend: str, *, avatar_id: int = 1, voice_id: str = "v",
                 tag: str = "row") -> str:
    store = batch.BatchStore(db)
    plans = [batch.RowPlan(n, {}, CreateVideoRequest(avatar_id=avatar_id, voice_id=voice_id, script=f"Row {n}.",
                                                    video_name=f"{tag} {n}"), ()) for n in range(1, rows + 1)]
    return store.create(plans, backend=backend, name=tag)


def drain(sender: BackgroundSender, limit: int = 200) -> None:
    """Run passes until nothing is due now (what the thread does, without the thread)."""
    for _ in range(limit):
        due = sender.run_pass()
        if due is None or due > time.time():
            return
    raise AssertionError("the sender never ran out of work")


def test_passes_send_a_batch_and_an_experiment_and_a_breaker_pauses_only_its_batch(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    stores = SenderStores.at(db)
    batch_id = stored_batch(db, 3, BILLED.backend_id)
    stores.experiments.create("e1", name="E", backend=BILLED.backend_id,
                              variants=experiment_plans.plan_variants(BASE, voices=["a", "b"]))
    # Rows and variants alternate, one each per pass: row 1, variant a, row 2 (no credit), variant b.
    client = ScriptedClient("r1", "v-a", BREAKERS[0], "v-b", "r2", "r3")
    sender = BackgroundSender(BILLED.backend_id, db, stores)
    sender.connect(SenderLink(client, BILLED))
    drain(sender)
    assert len(client.calls) == 4
    paused = stores.batches.get(batch_id)
    assert paused.state == "paused" and "Insufficient credit" in paused.last_error
    assert [row.state for row in stores.batches.rows(batch_id)] == ["sent", "queued", "queued"]
    assert [v.video_id for v in stores.experiments.variants("e1")] == ["v-a", "v-b"]
    assert stores.experiments.get("e1").state == queue_states.DONE
    assert sender.run_pass() is None and len(client.calls) == 4  # paused: nothing more goes

    stores.batches.set_state(batch_id, "running")  # Resume
    drain(sender)
    assert len(client.calls) == 6
    assert [row.video_id for row in stores.batches.rows(batch_id)] == ["r1", "r2", "r3"]


def test_the_thread_sends_until_idle_wakes_for_new_work_and_stops_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    client = ScriptedClient(*[f"v{n}" for n in range(1, 10)])
    sender = background_sender.ensure_running(db, BILLED.backend_id, SenderLink(client, BILLED),
                                              lambda: SenderStores.at(db))
    assert sender.wait_idle(30) and client.calls == []  # nothing stored yet
    first = stored_batch(db, 2, BILLED.backend_id, tag="first")
    sender.wake()
    assert sender.wait_idle(30)
    assert len(client.calls) == 2 and sender.stores.batches.get(first).state == "done"

    # The same backend again (another tab, a rerun) is the same sender; another backend has its own.
    assert background_sender.ensure_running(db, BILLED.backend_id, SenderLink(client, BILLED),
                                            lambda: pytest.fail("a second sender was made")) is sender
    other = background_sender.ensure_running(db, "custom:http://127.0.0.1:9", SenderLink(ScriptedClient("x"), Target(
        "custom:http://127.0.0.1:9", "http://127.0.0.1:9")), lambda: SenderStores.at(db))
    assert other is not sender and {sender, other} <= set(background_sender.senders())

    thread = sender._thread
    sender.stop()
    assert not thread.is_alive() and sender.status == background_sender.STOPPED
    assert not sender.lock.held  # another process may send now


def hold_lock_in_another_process(path: Path) -> subprocess.Popen:
    script = (f"import fcntl, sys\nhandle = open({str(path)!r}, 'a+')\nfcntl.flock(handle, fcntl.LOCK_EX)\n"
              "print('held', flush=True)\nsys.stdin.read()")
    holder = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_sender_whose_lock_another_process_holds_sends_nothing_until_it_is_gone(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    stores = SenderStores.at(db)
    stored_batch(db, 2, BILLED.backend_id)
    holder = hold_lock_in_another_process(background_sender.lock_path(db, BILLED.backend_id))
    try:
        client = ScriptedClient("v1", "v2")
        sender = BackgroundSender(BILLED.backend_id, db, stores)
        sender.connect(SenderLink(client, BILLED))
        assert sender.run_pass() is None
        assert sender.status == background_sender.OTHER_PROCESS and client.calls == []
        assert not sender.lock.held
    finally:
        holder.stdin.close()  # the other studio process stops
        holder.wait(10)
    drain(sender)
    assert len(client.calls) == 2 and sender.lock.held
    # While this one sends, a second sender (as another process would have) cannot take the lock.
    second = BackgroundSender(BILLED.backend_id, db, SenderStores.at(db))
    second.connect(SenderLink(ScriptedClient("never"), BILLED))
    assert second.run_pass() is None and second.status == background_sender.OTHER_PROCESS
    sender.stop()
    assert second.lock.acquire()
    second.lock.release()


def die_with_row_one_in_flight(db: Path, batch_id: str, target: Target, client) -> str:
    """What a process killed mid-POST leaves: the intent and the row ``sending``, the POST arrived, no outcome."""
    rows = batch.BatchStore(db)
    row = rows.next_unsent(batch_id)
    key = batch.idempotency_key(batch_id, row.row_number)
    SubmissionStore(db).begin(key, target, Origin.batch_row(batch_id, row.row_number), row.request,
                                                avatar_name="", voice_name="", now=time.time() - 1)
    rows.mark_sending(batch_id, row.row_number, time.time() - 1)
    return client.create_avatar_video(row.request, idempotency_key=key if target.idempotent else None)


def test_after_a_restart_the_row_in_flight_is_unconfirmed_on_the_billed_stand_in(tmp_path: Path,
                                                                               cloud: StandIn) -> None:
    db = tmp_path / "history.sqlite3"
    target = Target("custom:" + cloud.base_url, cloud.base_url)
    batch_id = stored_batch(db, 3, target.backend_id, avatar_id=81, voice_id="en-US-JennyNeural", tag="restart")
    with cloud.client() as client:
        die_with_row_one_in_flight(db, batch_id, target, client)
        assert len(cloud.creates()) == 1  # it arrived, and was billed

        restarted = BackgroundSender(target.backend_id, db, SenderStores.at(db))  # a new process
        restarted.connect(SenderLink(client, target, backend_limit=20))
        drain(restarted)
    creates = cloud.creates()
    assert len(creates) == 3, creates  # rows 2 and 3; row 1 was not sent again by itself
    assert [c["body"]["video_name"] for c in creates] == ["restart 1", "restart 2", "restart 3"]
    rows = batch.BatchStore(db).rows(batch_id)
    assert [row.state for row in rows] == ["unconfirmed", "sent", "sent"]
    assert restarted.stores.submissions.get(batch.idempotency_key(batch_id, 1)).state == "unconfirmed"


def engine_jobs_named(engine: EngineProcess, tag: str) -> int:
    with sqlite3.connect(engine.data_dir / "engine.sqlite3") as db:
        return sum(f'"video_name": "{tag} ' in row[0] for row in db.execute("SELECT request_json FROM jobs"))


def test_after_a_restart_the_local_engine_gets_the_row_in_flight_again_with_its_key(
        tmp_path: Path, engine: EngineProcess, engine_client) -> None:
    db = tmp_path / "history.sqlite3"
    target = Target("local", engine.base_url, idempotent=True)
    avatar = engine_client.list_public_avatars(page_size=1)[0]
    voice = engine_client.list_voices(page_size=1).voices[0]
    tag = f"restart-{tmp_path.name}"
    batch_id = stored_batch(db, 3, "local", avatar_id=avatar.id, voice_id=voice.voice_id, tag=tag)
    arrived = die_with_row_one_in_flight(db, batch_id, target, engine_client)

    restarted = BackgroundSender("local", db, SenderStores.at(db))
    restarted.connect(SenderLink(engine_client, target))
    drain(restarted)
    rows = batch.BatchStore(db).rows(batch_id)
    assert [row.state for row in rows] == ["sent", "sent", "sent"]
    assert rows[0].video_id == arrived  # the engine answered the same key with the video it had made
    assert engine_jobs_named(engine, tag) == 3
    assert {job.video_id for job in JobHistory(db).list_jobs(batch=batch_id)} == {row.video_id for row in rows}
    assert batch.BatchStore(db).get(batch_id).state == "done"


def test_each_accounts_work_goes_with_its_own_client_and_older_work_with_the_first_that_sends(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    stores = SenderStores.at(db)
    plans = [batch.RowPlan(n, {}, CreateVideoRequest(avatar_id=1, voice_id="v", script=f"Row {n}."), ())
             for n in (1, 2)]
    ann = stores.batches.create(plans, backend=BILLED.backend_id, account="ann", name="ann")
    older = stores.batches.create(plans, backend=BILLED.backend_id, account="", name="older")
    with sqlite3.connect(db) as raw:  # stored before accounts were recorded
        raw.execute("UPDATE batches SET account=NULL WHERE batch_id=?", (older,))
    stores.experiments.create("bob-e", name="E", backend=BILLED.backend_id, account="bob",
                              variants=experiment_plans.plan_variants(BASE, voices=["a", "b"]))
    bob = ScriptedClient("b1", "b2", "b3", "b4")
    sender = BackgroundSender(BILLED.backend_id, db, stores)
    sender.connect(SenderLink(bob, BILLED, account="bob"))
    drain(sender)
    # Bob's key sent Bob's experiment and the older batch (the first key that sends it); never Ann's batch.
    assert len(bob.calls) == 4 and stores.batches.get(older).account == "bob"
    assert [row.state for row in stores.batches.rows(ann)] == ["queued", "queued"]
    assert sender.connected("bob") and not sender.connected("ann")

    ann_client = ScriptedClient("a1", "a2")
    sender.connect(SenderLink(ann_client, BILLED, account="ann"))
    drain(sender)
    assert len(ann_client.calls) == 2 and len(bob.calls) == 4
    assert [row.video_id for row in stores.batches.rows(ann)] == ["a1", "a2"]


def test_an_older_database_gains_the_account_columns(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    with sqlite3.connect(db) as raw:  # the batches and experiments tables as they shipped before accounts
        raw.execute("CREATE TABLE batches (batch_id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', backend TEXT "
                    "NOT NULL, state TEXT NOT NULL DEFAULT 'running', posts_per_minute INTEGER, not_before REAL, "
                    "last_error TEXT, created_at REAL NOT NULL, updated_at REAL NOT NULL)")
        raw.execute("INSERT INTO batches (batch_id, backend, created_at, updated_at) VALUES ('old', 'cloud', 1, 1)")
        raw.execute("CREATE TABLE experiments (experiment_id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', "
                    "backend TEXT NOT NULL, winner_video_id TEXT, notes TEXT NOT NULL DEFAULT '', created_at REAL "
                    "NOT NULL, updated_at REAL NOT NULL, state TEXT NOT NULL DEFAULT 'done', not_before REAL, "
                    "last_error TEXT)")
        raw.execute("INSERT INTO experiments (experiment_id, backend, created_at, updated_at, state) "
                    "VALUES ('old-e', 'cloud', 1, 1, 'running')")
    stores = SenderStores.at(db)
    assert stores.batches.get("old").account is None and stores.experiments.get("old-e").account is None
    assert stores.batches.running("cloud", "ann") == []  # nobody's until a sender adopts it
    stores.batches.adopt_unowned("cloud", "ann")
    stores.experiments.adopt_unowned("cloud", "ann")
    assert stores.batches.running("cloud", "ann") == ["old"] and stores.experiments.running("cloud", "ann") == ["old-e"]
