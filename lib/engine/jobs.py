"""The render queue: jobs live in SQLite; a dispatcher thread hands them to worker processes.

Lifecycle: pending -> processing -> completed | failed. The database is the only source of truth,
so a restart picks up where the last process stopped: jobs left `processing` by a crash go back to
`pending` (each start of a render counts as an attempt; after `max_render_attempts` the job fails
with a clear error instead of crashing the engine forever).

Workers are spawned processes (no fork of the threaded server), run at a lower CPU priority so the
API stays responsive, and die with the server (PR_SET_PDEATHSIG). A worker that dies mid-render
breaks the pool; the dispatcher builds a new pool and re-queues the job (bounded, as above).
"""

from __future__ import annotations

import ctypes
import errno
import importlib
import logging
import multiprocessing
import os
import queue
import shutil
import signal
import sqlite3
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from lib.engine import job_store
from lib.engine.media import VIDEO_KIND, new_token
from lib.engine.settings import EngineSettings
from lib.engine.store import Database, connect
from lib.joggai.contract import Code

log = logging.getLogger("lib.engine")

# A worker process is replaced after this many jobs, which bounds slow memory growth.
JOBS_PER_WORKER = 25
RESULT_NAMES = {"video": "video.mp4", "cover": "cover.jpg", "caption": "captions.vtt"}
STORAGE_FAILURE = ("the engine ran out of disk space (or cannot write its data directory) while rendering; "
                   "free some space and create the video again")
# Below this much free space next to the render scratch, an encoder failure is taken as a full disk.
LOW_DISK_BYTES = 8 * 1024 * 1024
_STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


def is_storage_error(exc: BaseException) -> bool:
    """A full, read-only or unwritable disk, as the file system or SQLite reports it."""
    if isinstance(exc, OSError):
        return exc.errno in _STORAGE_ERRNOS
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        return any(word in text for word in ("full", "readonly", "read-only", "disk i/o", "unable to open"))
    return False


def _disk_is_low(path: Path) -> bool:
    try:
        return shutil.disk_usage(path).free < LOW_DISK_BYTES
    except OSError:
        return True




def interrupted_message(attempts: int) -> str:
    """The error of a job whose renders kept being cut off."""
    return f"rendering was interrupted {attempts} times (engine stopped or a worker crashed); giving up"


# ---------------------------------------------------------------- worker process side

def _worker_init(log_file: str) -> None:
    """Runs once in each worker process."""
    try:  # die with the server, even on SIGKILL: an orphan would render a job the next engine re-queues
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass
    try:  # renders yield the CPU to the API and the dashboard (the ffmpeg child inherits the niceness)
        os.nice(19)
    except OSError:
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the server decides
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s worker[%(process)d]: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)


def warm_up() -> bool:
    """Import the renderer ahead of the first job (module imports cost seconds in a fresh process)."""
    for module in ("lib.engine.catalog.avatars", "lib.engine.catalog.voices", "lib.engine.render.speech",
                   "lib.engine.render.pipeline"):
        importlib.import_module(module)
    return True


class _ProgressWriter:
    """Writes whole-percent progress to the job row, only when it changes."""

    def __init__(self, db_path: Path, video_id: str, low: int = 5, high: int = 99) -> None:
        self.conn = connect(db_path)
        self.video_id = video_id
        self.low, self.high = low, high
        self.last = -1

    def set_percent(self, percent: int) -> None:
        percent = max(0, min(self.high, percent))
        if percent != self.last:
            self.last = percent
            try:
                job_store.set_progress(self.conn, self.video_id, percent)
            except sqlite3.Error as exc:  # progress is advisory: a full disk must not end the render here
                logging.getLogger("lib.engine").warning("progress of video %s not saved: %s", self.video_id, exc)

    def __call__(self, fraction: float) -> None:
        self.set_percent(self.low + int((self.high - self.low) * max(0.0, min(1.0, fraction))))


def render_job(data_dir: str, video_id: str, attempt: int) -> dict[str, Any]:
    """Render one job in a worker process; returns {"ok": True, files..} or {"ok": False, code, message}."""
    root = Path(data_dir)
    db_path = root / "engine.sqlite3"
    conn = connect(db_path)
    try:
        row = job_store.find_job(conn, video_id)
    finally:
        conn.close()
    if row is None:
        return {"ok": False, "code": Code.SYSTEM_ERROR, "message": "job vanished from the database"}
    spec = job_store.job_spec(row)
    out_dir = root / "work" / video_id / f"attempt-{attempt}"
    shutil.rmtree(out_dir, ignore_errors=True)
    try:
        out_dir.mkdir(parents=True)
    except OSError as exc:
        if is_storage_error(exc):
            return {"ok": False, "code": Code.SYSTEM_ERROR, "message": STORAGE_FAILURE}
        raise
    progress = _ProgressWriter(db_path, video_id)
    try:
        return _render(spec, row["audio_path"], video_id, out_dir, progress)
    finally:
        progress.conn.close()


def _render(spec: dict[str, Any], audio_path: str | None, video_id: str, out_dir: Path,
            progress: _ProgressWriter) -> dict[str, Any]:
    # An import error here propagates to the dispatcher, which fails the job (not retried).
    from lib.engine.catalog.avatars import find_public_avatar
    from lib.engine.catalog.voices import find_voice
    from lib.engine.render.audio_input import AudioRejected, load_audio_speech
    from lib.engine.render.pipeline import RenderError, RenderRequest, render_video
    from lib.engine.render.speech import synthesize
    from lib.engine.render.visuals import VisualRejected, load_visuals
    from lib.joggai.contract import EXT_MUSIC_URL, EXT_PRONUNCIATIONS, pronunciations_from_ext

    worker_log = logging.getLogger("lib.engine")
    try:
        avatar = find_public_avatar(int(spec["avatar_id"]))
        voice = find_voice(spec["voice_id"])
        if avatar is None or voice is None:
            return {"ok": False, "code": Code.NOT_FOUND, "message": "the avatar or voice is no longer in the catalog"}
        progress.set_percent(1)
        if spec["voice_type"] == job_store.VOICE_AUDIO:
            speech = load_audio_speech(Path(audio_path or ""))
        else:
            try:
                said_as = pronunciations_from_ext((spec.get("ext") or {}).get(EXT_PRONUNCIATIONS))  # checked at intake
                speech = synthesize(spec["script"], voice, said_as)
            except ValueError as exc:  # e.g. nothing speakable: the script is the user's to fix
                return {"ok": False, "code": Code.PARAMETER_ERROR, "message": f"voice.script cannot be spoken: {exc}"}
        progress.set_percent(5)
        ext_files = spec.get("ext_files") or {}
        music = ext_files.get(EXT_MUSIC_URL)
        request = RenderRequest(
            avatar=avatar,
            speech=speech,
            script=spec["script"] or "",
            aspect_ratio=spec["aspect_ratio"],
            screen_style=int(spec["screen_style"]),
            caption=bool(spec["caption"]),
            video_name=spec.get("video_name") or "",
            seed=job_store.motion_seed(spec),  # the same request moves the same, whatever its video id
            visuals=load_visuals(spec.get("ext") or {}, ext_files),
            music_path=Path(music) if music else None,
        )
        result = render_video(request, out_dir, on_progress=progress)
    except (AudioRejected, VisualRejected) as exc:  # the user's file does not decode: theirs to fix
        return {"ok": False, "code": Code.PARAMETER_ERROR, "message": str(exc)}
    except RenderError as exc:
        worker_log.warning("video %s failed: %s", video_id, exc)
        if _disk_is_low(out_dir):  # the encoder's own words for ENOSPC vary; free space does not lie
            return {"ok": False, "code": Code.SYSTEM_ERROR, "message": STORAGE_FAILURE}
        return {"ok": False, "code": Code.SYSTEM_ERROR, "message": str(exc)}
    except Exception as exc:  # noqa: BLE001 - any bug must fail this one job, not the worker
        if is_storage_error(exc):
            worker_log.warning("video %s failed: %s", video_id, exc)
            return {"ok": False, "code": Code.SYSTEM_ERROR, "message": STORAGE_FAILURE}
        worker_log.error("video %s crashed:\n%s", video_id, traceback.format_exc())
        return {"ok": False, "code": Code.SYSTEM_ERROR, "message": "rendering failed with an internal error"}
    return {
        "ok": True,
        "video": str(result.video_path),
        "cover": str(result.cover_path),
        "caption": str(result.caption_path) if result.caption_path else None,
        "duration": float(result.duration),
    }


# ---------------------------------------------------------------- server process side

def publish_file(source: Path, dest: Path) -> None:
    """Move a finished file into media so that `dest` is never seen half-written.

    Same file system: one atomic rename. Another one (a work dir on its own disk): copy beside `dest`
    under a hidden temporary name, then rename."""
    try:
        os.replace(source, dest)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    partial = dest.with_name(f".{dest.name}.partial")
    try:
        shutil.copyfile(source, partial)
        os.replace(partial, dest)
    except OSError:
        partial.unlink(missing_ok=True)
        raise
    source.unlink(missing_ok=True)


class RenderQueue:
    """Claims pending jobs from the database and runs them on a bounded pool of worker processes."""

    def __init__(self, settings: EngineSettings, on_finished: Callable[[str], None]) -> None:
        self.settings = settings
        self.on_finished = on_finished
        self.db = Database(settings.db_path)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._done: queue.Queue[tuple[str, int, Future]] = queue.Queue()
        self._inflight: dict[str, int] = {}  # video_id -> attempt
        # Outcomes the database refused to record (full disk): kept and retried, never dropped.
        self._unrecorded: list[tuple[str, int, dict[str, Any]]] = []
        self._pool: ProcessPoolExecutor | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> None:
        """Recover jobs left by a previous process, then start dispatching."""
        for video_id in self.recover():
            self.on_finished(video_id)
        if self.settings.workers > 0:
            self._pool = self._new_pool()
            self._pool.submit(warm_up)
        self._thread = threading.Thread(target=self._run, name="render-dispatcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop workers; jobs they were rendering go back to pending without spending an attempt."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._shutdown_pool()
        if self._inflight:
            with self.db.transaction() as conn:
                for video_id in self._inflight:
                    job_store.requeue(conn, video_id, refund_attempt=True)
            log.info("returned %d unfinished render(s) to the queue", len(self._inflight))
            self._inflight.clear()
        self.db.close()

    def wake(self) -> None:
        """A job was added: look for work now rather than at the next poll."""
        self._wake.set()

    def recover(self) -> list[str]:
        """Re-queue jobs a dead process left `processing`; fail those out of attempts. Returns failed ids."""
        limit = self.settings.max_render_attempts
        with self.db.transaction() as conn:
            exhausted, requeued = job_store.recover_interrupted(conn, limit, interrupted_message(limit))
        if requeued or exhausted:
            log.info("recovery: %d interrupted job(s) re-queued, %d failed after %d attempts",
                     requeued, len(exhausted), limit)
        return exhausted

    # -- dispatching

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.settings.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_init,
            initargs=(str(self.settings.log_file),),
            max_tasks_per_child=JOBS_PER_WORKER,
        )

    def _shutdown_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before the work: a wake-up during it is not lost
            try:
                self._collect_finished()
                self._claim_and_submit()
            except Exception:  # the dispatcher must survive anything (e.g. a locked database)
                log.exception("render dispatcher error")
            self._wake.wait(timeout=0.5)

    def _claim_and_submit(self) -> None:
        if self._pool is None or self._stop.is_set():
            return
        free = self.settings.workers - len(self._inflight)
        if free <= 0:
            return
        with self.db.transaction() as conn:
            claimed = job_store.claim_pending(conn, free)
        for video_id, attempt in claimed:
            self._inflight[video_id] = attempt
            try:
                future = self._pool.submit(render_job, str(self.settings.data_dir), video_id, attempt)
            except (BrokenProcessPool, RuntimeError) as exc:
                future = Future()
                future.set_exception(exc)
            future.add_done_callback(lambda f, v=video_id, a=attempt: self._finished(v, a, f))
            log.info("rendering video %s (attempt %d)", video_id, attempt)

    def _finished(self, video_id: str, attempt: int, future: Future) -> None:
        self._done.put((video_id, attempt, future))
        self._wake.set()

    def _collect_finished(self) -> None:
        pending, self._unrecorded = self._unrecorded, []
        for video_id, attempt, outcome in pending:
            self._record(video_id, attempt, outcome)
        broken = False
        while True:
            try:
                video_id, attempt, future = self._done.get_nowait()
            except queue.Empty:
                break
            self._inflight.pop(video_id, None)
            try:
                outcome = future.result()
            except BrokenProcessPool as exc:  # the worker process died (killed, out of memory...)
                broken = True
                if self._stop.is_set():
                    continue
                log.warning("render worker died on video %s (attempt %d): %r", video_id, attempt, exc)
                self._retry_or_fail(video_id, attempt)
                continue
            except Exception:  # e.g. an import error in the worker: fail the job, keep going
                log.exception("render of video %s raised", video_id)
                self._fail(video_id, Code.SYSTEM_ERROR, "rendering failed with an internal error")
                continue
            self._record(video_id, attempt, outcome)
        if broken and not self._stop.is_set():
            log.warning("replacing the broken render worker pool")
            self._shutdown_pool()
            self._pool = self._new_pool()

    def _record(self, video_id: str, attempt: int, outcome: dict[str, Any]) -> None:
        """Apply a worker's outcome; when storage refuses, keep it for the next round instead of losing it."""
        try:
            self._apply(video_id, attempt, outcome)
        except (sqlite3.Error, OSError) as exc:
            if not self._unrecorded or self._unrecorded[-1][0] != video_id:
                log.warning("could not record the outcome of video %s (%s); will retry", video_id, exc)
            self._unrecorded.append((video_id, attempt, outcome))

    def _retry_or_fail(self, video_id: str, attempt: int) -> None:
        if attempt >= self.settings.max_render_attempts:
            self._fail(video_id, Code.SYSTEM_ERROR, f"the render worker crashed {attempt} times on this video; "
                                               "giving up")
        else:
            job_store.requeue(self.db.conn, video_id)

    def _fail(self, video_id: str, code: int, message: str) -> None:
        job_store.mark_failed(self.db.conn, video_id, code, message)
        self._clean_scratch(video_id)
        log.info("video %s failed: %s", video_id, message)
        self.on_finished(video_id)

    def _clean_scratch(self, video_id: str) -> None:
        # Render scratch and downloaded input audio are only needed until the job is terminal.
        shutil.rmtree(self.settings.work_dir / video_id, ignore_errors=True)
        shutil.rmtree(self.settings.data_dir / "inputs" / video_id, ignore_errors=True)

    def _apply(self, video_id: str, attempt: int, outcome: dict[str, Any]) -> None:
        if not outcome.get("ok"):
            self._fail(video_id, int(outcome.get("code", Code.SYSTEM_ERROR)), str(outcome.get("message", "")))
            return
        if "published" not in outcome:  # else: a retried outcome (see _record), already moved into media
            token = new_token()
            dest = self.settings.media_dir / VIDEO_KIND / token
            try:
                dest.mkdir(parents=True)
                names: dict[str, str | None] = {}
                for kind, name in RESULT_NAMES.items():
                    source = outcome.get(kind)
                    if source:
                        publish_file(Path(source), dest / name)
                        names[kind] = name
                    else:
                        names[kind] = None
            except OSError as exc:
                log.error("could not publish video %s: %s", video_id, exc.strerror or exc)
                shutil.rmtree(dest, ignore_errors=True)
                self._fail(video_id, Code.SYSTEM_ERROR, "could not store the finished video (is the disk full?)")
                return
            outcome["published"] = (token, names)
        token, names = outcome["published"]
        job_store.mark_completed(self.db.conn, video_id, media_token=token, files=names,
                                 duration=float(outcome["duration"]))
        self._clean_scratch(video_id)
        log.info("video %s completed (%.1f s of video)", video_id, float(outcome["duration"]))
        self.on_finished(video_id)
