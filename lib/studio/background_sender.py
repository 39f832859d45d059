"""The background sender: batch rows and experiment variants go out with no page open, one sender per backend.

Pages only record work (a stored batch, a recorded experiment, a resume, a *Send again*) and ``wake`` the
sender; its thread sends what is due from the durable rows and intents in the studio's SQLite file, paced
per backend (``lib.studio.pacing``), through the one submission path (``batch_run.submit_due_rows`` and
``experiments.submit_due_variants`` over ``lib.studio.submission``).

- **One per backend.** A process-wide registry, guarded by a lock, holds one sender per (database file,
  backend id); the backend id is the identity batches and intents are stored under (the local engine
  keeps its id when its port changes). Across processes an ``fcntl.flock`` on a file in the data dir
  decides: a sender whose lock is held elsewhere sends nothing, says so, and looks again now and then
  (it takes over once the other process is gone).
- **Not tied to a session.** Reruns, reloads and closed tabs do not touch it.
- **The key is never stored.** The client comes from the connection of a page run (``SenderLink``) and
  is kept in memory only; after a restart nothing is sent until a page run with a connection arrives.
- **Each account's work with its own key.** Batches and experiments record whose key they were started
  with (``backends.account_tag``); the sender keeps one link per account and sends an item only with its
  account's client, so a second session's key never pays for the first one's batch. Items recorded before
  accounts were go to the first key that sends (as they did before).
- **After a restart** (on taking the lock) intents a dead process left in flight are judged by item 3's
  rules (``Submitter.recover_interrupted``): unconfirmed on a billed backend, waiting for a person; sent
  again with the same key where the backend honours Idempotency-Key.
- Breakers (no credit, key rejected) pause the batch or experiment at once; nothing more of it goes until
  a person resumes.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from lib.studio import batch_run, experiments
from lib.studio.batch import BatchStore
from lib.studio.experiments import ExperimentStore
from lib.studio.history import JobHistory
from lib.studio.pronunciations import PronunciationStore
from lib.studio.queue_states import RUNNING
from lib.studio.submission import SubmissionStore, Submitter, Target

IDLE_RECHECK_SECONDS = 5.0  # an idle sender looks again this often (work from another process, a freed lock)
FAILED_PASS_BACKOFF_SECONDS = 5.0
_log = logging.getLogger(__name__)

# What ``status`` says.
NOT_CONNECTED, SENDING, IDLE, OTHER_PROCESS, STOPPED = (
    "not_connected", "sending", "idle", "other_process", "stopped")


@dataclass(frozen=True)
class SenderLink:
    """What a page run hands the sender: the connected client (in memory only) and how to pace and word errors."""

    client: Any
    target: Target
    explain: Callable[[Exception], str] = str
    backend_limit: int | None = None  # the backend's POST limit per minute (None: unlimited)
    account: str = ""  # whose key the client carries (backends.account_tag)

    def same_as(self, other: SenderLink | None) -> bool:
        return other is not None and (other.client is self.client and other.target == self.target
                                      and other.backend_limit == self.backend_limit and other.account == self.account)


@dataclass(frozen=True)
class SenderStores:
    """The stores a sender reads and writes (all in the studio's one SQLite file)."""

    batches: BatchStore
    experiments: ExperimentStore
    submissions: SubmissionStore
    history: JobHistory
    lexicon: PronunciationStore  # made once: a sender pass must not open the schema again

    @classmethod
    def at(cls, db_path: Path) -> SenderStores:
        """Fresh stores over ``db_path`` (as a freshly started process has them)."""
        history = JobHistory(db_path)
        return cls(BatchStore(db_path), ExperimentStore(db_path), SubmissionStore(db_path), history,
                   PronunciationStore(db_path))


class ProcessLock:
    """A non-blocking exclusive ``flock`` on one file: at most one process holds it (released when it dies)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._file: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self) -> bool:
        """True when this process holds the lock (now or already)."""
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")  # for a person looking: which process sends
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def lock_path(db_path: Path, backend_id: str) -> Path:
    """The cross-process lock file of one backend's sender, next to the database."""
    return Path(db_path).parent / f"sender-{hashlib.sha256(backend_id.encode()).hexdigest()[:16]}.lock"


class BackgroundSender:
    """Sends one backend's due batch rows and experiment variants in a daemon thread (see the module docstring).

    ``run_pass`` does one round (a row of each running batch, a variant of each running experiment) and is
    what the thread repeats; tests may call it directly with an injected ``clock``.
    """

    def __init__(self, backend_id: str, db_path: Path, stores: SenderStores, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.backend_id, self.db_path, self.stores, self.clock = backend_id, Path(db_path), stores, clock
        self.lock = ProcessLock(lock_path(db_path, backend_id))
        self._links: dict[str, SenderLink] = {}  # by account; in memory only
        self._recovered = False
        self._status = NOT_CONNECTED
        self._state_lock = threading.Lock()
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ what pages call

    def connect(self, link: SenderLink) -> None:
        """Send ``link.account``'s work with this client from now on (the latest page run's); wakes the sender
        when it changed."""
        with self._state_lock:
            changed = not link.same_as(self._links.get(link.account))
            self._links = {**{account: known for account, known in self._links.items() if account != link.account},
                           link.account: link}  # the latest account last: it adopts unowned work
        if changed:
            self.wake()

    def connected(self, account: str) -> bool:
        """True when a page run has handed over a client for ``account``'s key (this process, since it started)."""
        return account in self._links

    def wake(self) -> None:
        """Something was recorded (a batch, a resume, a *Send again*): look now instead of at the next recheck."""
        with self._state_lock:
            self._idle.clear()
            self._wake.set()

    @property
    def status(self) -> str:
        """not_connected, sending, idle, other_process (another studio process sends) or stopped."""
        return self._status

    # ------------------------------------------------------------ the thread

    def start(self) -> BackgroundSender:
        """Start the daemon thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name=f"sender-{self.backend_id}", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the POST in progress (its outcome is recorded first) and let the lock go."""
        self._stopped.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self.lock.release()
        self._status = STOPPED

    def wait_idle(self, timeout: float) -> bool:
        """For tests: True once the sender is between passes with nothing due right now (no POST in flight, its
        outcome recorded; it may be waiting for a pacing slot)."""
        return self._idle.wait(timeout)

    def _work(self) -> None:
        while not self._stopped.is_set():
            self._wake.clear()  # a wake during the pass below is kept for the next one
            self._idle.clear()  # a pass is running: whoever waits for idle waits for its outcome
            try:
                next_due = self.run_pass()
            except Exception:  # noqa: BLE001 - the sender must outlive one bad pass; the work stays stored
                _log.exception("background sender pass failed for %s", self.backend_id)
                next_due = self.clock() + FAILED_PASS_BACKOFF_SECONDS
            now = self.clock()
            if next_due is not None and next_due <= now:
                continue
            with self._state_lock:
                if not self._wake.is_set():
                    self._idle.set()
            self._wake.wait(IDLE_RECHECK_SECONDS if next_due is None else min(IDLE_RECHECK_SECONDS, next_due - now))

    # ------------------------------------------------------------ one round

    def run_pass(self) -> float | None:
        """Send at most one due row of every running batch and one variant of every running experiment.

        Returns when work is due next (``clock()`` or earlier: at once; later: wait) or None when there is none.
        """
        links = self._links
        if not links or self._stopped.is_set():
            self._status = NOT_CONNECTED if not links else STOPPED
            return None
        if not self.lock.acquire():
            self._status = OTHER_PROCESS
            return None
        stores = self.stores
        due: list[float] = []
        for link in links.values():
            submitter = Submitter(stores.submissions, stores.history, link.client, link.target,
                                  explain=link.explain, clock=self.clock, lexicon=stores.lexicon)
            if not self._recovered:  # judged once, by the process that sends: what a dead process left in
                submitter.recover_interrupted()  # flight, and whose key sends work stored before accounts were
                stores.batches.adopt_unowned(self.backend_id, link.account)
                stores.experiments.adopt_unowned(self.backend_id, link.account)
                self._recovered = True
            if not self._send_account(link, submitter, due):
                return None
        self._status = SENDING if due else IDLE
        return min(due) if due else None

    def _send_account(self, link: SenderLink, submitter: Submitter, due: list[float]) -> bool:
        """One due row of each running batch and one variant of each running experiment of ``link``'s account;
        the times they are due again go into ``due``. False when the sender was stopped meanwhile."""
        stores = self.stores
        for batch_id in stores.batches.running(self.backend_id, link.account):
            if self._stopped.is_set():
                return False
            progress = batch_run.submit_due_rows(stores.batches, submitter, batch_id=batch_id,
                                                 backend_limit=link.backend_limit, max_rows=1,
                                                 budget_seconds=float("inf"), recent_send_times=self._recent,
                                                 clock=self.clock)
            current = stores.batches.get(batch_id)
            if progress.wait_until is not None:
                due.append(progress.wait_until)
            elif current is not None and current.state == RUNNING:  # more rows, or the pass that ends it
                due.append(self.clock())
        for experiment_id in stores.experiments.running(self.backend_id, link.account):
            if self._stopped.is_set():
                return False
            outcome = experiments.submit_due_variants(stores.experiments, submitter, experiment_id,
                                                      backend_limit=link.backend_limit, max_variants=1,
                                                      recent_send_times=self._recent, clock=self.clock)
            current = stores.experiments.get(experiment_id)
            if outcome.wait_until is not None:
                due.append(outcome.wait_until)
            elif current is not None and current.state == RUNNING:
                due.append(self.clock())
        return True

    def _recent(self, since: float) -> list[float]:
        # The backend's limit counts every POST it got from this studio: batch rows and variants alike.
        return (self.stores.batches.recent_send_times(self.backend_id, since)
                + self.stores.experiments.recent_send_times(self.backend_id, since))


# ---------------------------------------------------------------- the process-wide registry

_SENDERS: dict[tuple[str, str], BackgroundSender] = {}
_SENDERS_LOCK = threading.Lock()


def ensure_running(db_path: Path, backend_id: str, link: SenderLink,
                   stores: Callable[[], SenderStores]) -> BackgroundSender:
    """The one sender of ``backend_id`` on ``db_path`` in this process, started if need be, with ``link``'s client.

    ``stores()`` is called only when the sender is made.
    """
    key = (str(Path(db_path).resolve()), backend_id)
    with _SENDERS_LOCK:
        sender = _SENDERS.get(key)
        if sender is None:
            sender = _SENDERS[key] = BackgroundSender(backend_id, db_path, stores()).start()
    sender.connect(link)
    return sender


def running_sender(db_path: Path, backend_id: str) -> BackgroundSender | None:
    """This process's sender of ``backend_id`` on ``db_path``, if one was started."""
    with _SENDERS_LOCK:
        return _SENDERS.get((str(Path(db_path).resolve()), backend_id))


def senders() -> list[BackgroundSender]:
    """Every sender this process started (for tests and diagnostics)."""
    with _SENDERS_LOCK:
        return list(_SENDERS.values())


def stop_all(timeout: float = 10.0) -> None:
    """Stop and forget every sender of this process (a test's teardown; the process exiting does it too)."""
    with _SENDERS_LOCK:
        stopping = list(_SENDERS.values())
        _SENDERS.clear()
    for sender in stopping:
        sender.stop(timeout)
