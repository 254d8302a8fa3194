"""A throwaway stack for tests, the conversation player, the benchmark and the scale profile.

Free loopback ports, fresh keys, databases under a temporary directory, and the servers the
product needs (a PostgreSQL or Redis server from Debian's binaries), so every tool that starts
the product for a while builds it the same way. Nothing here is used in production.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.settings import Settings, load_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, process: subprocess.Popen[bytes] | None, what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited while starting (exit {process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout_s:.0f} s")


def ensure_system_packages(commands: dict[str, str]) -> None:
    """Install missing Debian packages ({command: package}) with apt-get, as root only."""
    missing = sorted({package for command, package in commands.items() if not which(command)})
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RuntimeError(f"missing {', '.join(missing)}: apt-get install -y {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing]
    if subprocess.run(install, env=env, capture_output=True, timeout=300).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=300)
        subprocess.run(install, env=env, capture_output=True, timeout=300, check=True)


def which(command: str) -> str | None:
    found = shutil.which(command) or shutil.which(command, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if not found and command in ("initdb", "pg_ctl"):
        candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{command}"))
        found = candidates[-1] if candidates else None
    return found


# ---------------------------------------------------------------------------------- Redis


@dataclass
class RedisServer:
    """A throwaway redis-server on loopback, no persistence."""

    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/1"

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        log = open(self.root / "redis.log", "ab")
        self.process = subprocess.Popen(
            [which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.root), "--protected-mode", "yes"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        wait_port(self.port, self.process, "redis-server")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# ---------------------------------------------------------------------------------- PostgreSQL


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class PostgresServer:
    """A throwaway PostgreSQL server (Debian's binaries) on loopback; fsync off: for tests only.

    Its directory is its own under /tmp (removed on stop): as root the server runs as `postgres`,
    which cannot enter other users' private temporary directories.
    """

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="prescreen-pg-")))
    port: int = field(default_factory=free_port)
    started: bool = False

    @property
    def server_url(self) -> str:
        return f"postgresql+psycopg2://prescreen@127.0.0.1:{self.port}"

    def start(self) -> None:
        initdb, pg_ctl = which("initdb"), which("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("PostgreSQL binaries not found: apt-get install -y postgresql")
        self.root.mkdir(parents=True, exist_ok=True)
        sockets = self.root / "sockets"
        sockets.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(sockets, "postgres")
        subprocess.run(_as_postgres([initdb, "-D", str(self.root / "data"), "-U", "prescreen", "--auth=trust",
                                     "-E", "UTF8"]), check=True, capture_output=True, timeout=120)
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {sockets} -c fsync=off -c max_connections=200"
        start = [pg_ctl, "-D", str(self.root / "data"), "-o", options, "-l", str(self.root / "log"), "-w", "start"]
        subprocess.run(_as_postgres(start), check=True, capture_output=True, timeout=120)
        self.started = True

    def create_database(self, name: str) -> str:
        import psycopg2

        connection = psycopg2.connect(f"postgresql://prescreen@127.0.0.1:{self.port}/postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        return f"{self.server_url}/{name}"

    def stop(self) -> None:
        if self.started:
            subprocess.run(_as_postgres([which("pg_ctl") or "pg_ctl", "-D", str(self.root / "data"), "-m",
                                         "immediate", "stop"]), capture_output=True, timeout=60)
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)


# ---------------------------------------------------------------------------------- settings


def fresh_key() -> str:
    """A new data key (Fernet), so a throwaway stack never uses the developer's."""
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def throwaway_settings(var_dir: Path, **overrides: Any) -> Settings:
    """Settings for a stack of its own: SQLite databases and logs in `var_dir`, free loopback ports,
    a fresh data key, no API token, no CORS origins, one process per server, in-memory locks."""
    var_dir.mkdir(parents=True, exist_ok=True)
    settings = dataclasses.replace(
        load_settings(),
        database_url=f"sqlite:///{var_dir / 'prescreen.db'}",
        tracker_store_url=f"sqlite:///{var_dir / 'tracker.db'}",
        data_key=fresh_key(), old_data_keys=(),
        rasa_host="127.0.0.1", rasa_port=free_port(),
        actions_host="127.0.0.1", actions_port=free_port(),
        chat_host="127.0.0.1", chat_port=free_port(),
        coordinator_host="127.0.0.1", coordinator_port=free_port(),
        metrics_host="127.0.0.1", rasa_metrics_port=free_port(), actions_metrics_port=free_port(),
        coordinator_secret_key="throwaway-secret-key-for-a-local-stack",
        rasa_auth_token="", cors_origins=(), lock_store_url="", sanic_workers=1, actions_workers=1,
        var_dir=var_dir,
        smtp_url="", notify_webhook_url="",  # a throwaway stack never notifies a real study team
    )
    return dataclasses.replace(settings, **overrides)
