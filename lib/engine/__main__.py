"""Run the local engine: `python -m lib.engine --host 127.0.0.1 --port PORT --data-dir DIR`.

Defaults: host 127.0.0.1 (loopback only; any other address is logged as a loud warning), port 8790
(`--port 0` picks a free one), data dir `<user data dir>/avatar-studio/engine` (or $AVATAR_ENGINE_DATA_DIR),
1 render worker process (or $AVATAR_ENGINE_WORKERS; `--workers 0` accepts jobs without rendering them).
`--rate-limit` (or AVATAR_ENGINE_RATE_LIMIT=1) enforces the cloud's 20 POST/min per key.
`--no-remote-fetch` accepts only this engine's own uploads as voice.audio_url.

On first start the engine creates an API key in DATA_DIR/api_key (mode 0600) and logs only the file's
path. While it listens, DATA_DIR/engine.json holds {"pid", "url", "version"} for launchers; it is removed
on a clean stop (SIGTERM or SIGINT, exit code 0). Logs go to stderr and DATA_DIR/engine.log.

Other commands:
  python -m lib.engine add-key --data-dir DIR [--username NAME]
      prints a new API key once (copy it: the engine stores only its hash)
"""

from __future__ import annotations

import argparse
import fcntl
import ipaddress
import json
import logging
import os
import signal
import socket
import sys
from pathlib import Path

from lib.engine.settings import (
    DEFAULT_PORT,
    ENGINE_VERSION,
    ENV_RATE_LIMIT,
    ENV_WORKERS,
    EngineSettings,
    default_data_dir,
    env_flag,
)

log = logging.getLogger("lib.engine")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m lib.engine", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "add-key"])
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: loopback only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument("--data-dir", type=Path, default=None, help="database, keys and media")
    parser.add_argument("--workers", type=int, default=None,
                        help="render worker processes (default 1; 0 accepts jobs but does not render)")
    parser.add_argument("--rate-limit", action="store_true", default=None,
                        help="enforce the cloud's 20 POST/min per key (also env AVATAR_ENGINE_RATE_LIMIT=1)")
    parser.add_argument("--no-remote-fetch", action="store_true",
                        help="never download voice.audio_url from other hosts (only this engine's uploads)")
    parser.add_argument("--public-url", default=None, help="base for absolute URLs in answers")
    parser.add_argument("--username", default="local", help="add-key: the account name for the new key")
    return parser.parse_args(argv)


def configure_logging(log_file: Path) -> None:
    """Log to stderr and DATA_DIR/engine.log. The API key never reaches a log record."""
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in (logging.StreamHandler(sys.stderr), logging.FileHandler(log_file, encoding="utf-8")):
        handler.setFormatter(fmt)
        root.addHandler(handler)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind before serving so that --port 0 yields the real port for engine.json."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets whose proto is TCP, and without it
    # every keep-alive response waits ~40 ms for the client's delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def lock_data_dir(data_dir: Path) -> int:
    """One engine per data dir: the job queue's restart recovery assumes it."""
    fd = os.open(data_dir / "engine.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit(f"another engine is already running with data dir {data_dir}")
    return fd


def run_add_key(data_dir: Path, username: str) -> None:
    from lib.engine import keys, store

    data_dir.mkdir(parents=True, exist_ok=True)
    store.initialise(data_dir / "engine.sqlite3")
    db = store.Database(data_dir / "engine.sqlite3")
    key = keys.add_key(db, username=username)
    db.close()
    print("New API key (shown once; copy it now, the engine keeps only its hash):")
    print(key)


def serve(args: argparse.Namespace, data_dir: Path) -> None:
    import uvicorn

    from lib.engine.app import create_app

    workers = args.workers if args.workers is not None else int(os.environ.get(ENV_WORKERS, "1"))
    settings = EngineSettings(
        data_dir=data_dir,
        host=args.host,
        port=args.port,
        workers=max(0, workers),
        rate_limit=bool(args.rate_limit) or env_flag(ENV_RATE_LIMIT),
        public_url=args.public_url.rstrip("/") if args.public_url else None,
        remote_fetch=not args.no_remote_fetch,
    )
    configure_logging(settings.log_file)
    lock_fd = lock_data_dir(data_dir)
    if not is_loopback(args.host):
        log.warning("!" * 72)
        log.warning("LISTENING ON %s: anyone who can reach this address can try API keys and fetch "
                    "media links. Use --host 127.0.0.1 unless you really mean to share the engine.",
                    args.host)
        log.warning("!" * 72)
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        sys.exit(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    port = sock.getsockname()[1]
    url_host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{url_host}:{port}"
    app = create_app(settings)
    log.info("API key file: %s (mode 0600)", settings.key_file)
    log.info("engine %s data dir %s, %d render worker(s), rate limit %s",
             ENGINE_VERSION, data_dir, settings.workers, "on" if settings.rate_limit else "off")

    class EngineServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            # Launchers wait for this file: it appears only once the socket accepts requests.
            state = {"pid": os.getpid(), "url": url, "version": ENGINE_VERSION}
            tmp = settings.state_file.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(state))
            os.replace(tmp, settings.state_file)
            log.info("engine listening on %s", url)

    config = uvicorn.Config(app, log_config=None, access_log=False, timeout_graceful_shutdown=5,
                            lifespan="on")
    server = EngineServer(config)
    # uvicorn re-raises the stop signal after its graceful shutdown; turning it into SystemExit(0)
    # lets the cleanup below run and reports a clean stop to whoever sent SIGTERM/SIGINT.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _exit_cleanly)
    try:
        server.run(sockets=[sock])
    finally:
        try:
            current = json.loads(settings.state_file.read_text())
            if current.get("pid") == os.getpid():
                settings.state_file.unlink()
        except (OSError, ValueError):
            pass
        os.close(lock_fd)
        log.info("engine stopped")


def _exit_cleanly(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    data_dir = (args.data_dir or default_data_dir()).expanduser().resolve()
    if args.command == "add-key":
        run_add_key(data_dir, args.username)
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    serve(args, data_dir)


if __name__ == "__main__":
    main()
