"""`make run`: the whole product on one machine, on embedded defaults (SQLite).

Prepares (schema migrations, spaCy pipeline, model training when inputs changed), then starts
the action server, the Rasa server, the chat page and the coordinator app, waits until each
answers, prints where everything is, and stops them all on Ctrl-C. The test suite starts the
same Stack on other ports.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bot.leads.private_files import private_directory, private_sqlite_file
from bot.nlu.training import MODEL_PATH, rasa_env
from bot.notify.config import OFF_NOTICE, notify_config
from bot.settings import PROJECT_ROOT, Settings, load_settings

STARTUP_TIMEOUT_S = 180
# The servers' files (SQLite databases and their -wal/-shm files, the spool, logs) hold patients'
# data: created readable by their owner only, whatever the login shell's umask.
SERVER_UMASK = 0o077
# Two runtimes (README "Which Python runs what"): Rasa and the action server on this interpreter
# (.venv, Python 3.10, the last Rasa Open Source needs it); the processes that face people and the
# notifier on a maintained Python, .venv-web (made by scripts/setup.sh). PRESCREEN_WEB_PYTHON names
# another interpreter; without either, everything runs on this one (a single-venv checkout).
WEB_VENV_PYTHON = PROJECT_ROOT / ".venv-web" / "bin" / "python"


def web_python() -> str:
    """The interpreter of the chat page, the coordinator app and the notifier."""
    chosen = os.environ.get("PRESCREEN_WEB_PYTHON", "").strip()
    if chosen:
        return chosen
    return str(WEB_VENV_PYTHON) if WEB_VENV_PYTHON.exists() else sys.executable


@dataclass
class Service:
    name: str
    command: list[str]
    health_url: str  # empty: a worker with nothing to ask (the notifier); up while its process runs
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        private_directory(self.log_path.parent)
        log = os.fdopen(os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
        os.chmod(self.log_path, 0o600)  # a log from before owner-only files
        self.process = subprocess.Popen(
            self.command, cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C goes to the launcher, which stops children in order
            umask=SERVER_UMASK,
        )
        log.close()

    def answers(self) -> bool:
        if not self.health_url:
            return self.running()
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as response:
                return response.status < 500
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _local(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host


@dataclass
class Stack:
    """The product's processes, configured from one Settings object."""

    settings: Settings
    services: dict[str, Service] = field(default_factory=dict)
    model_path: Path = MODEL_PATH
    rasa_module: str = ""  # default: bot.rasa_ext.fast (speed-ups), or bot.rasa_ext.server with RASA_SPEEDUPS=0

    def __post_init__(self) -> None:
        s, python, logs = self.settings, sys.executable, self.settings.var_dir / "log"
        web = web_python()
        if s.sanic_workers > 1 and not s.lock_store_url:
            raise ValueError("SANIC_WORKERS > 1 needs a shared lock store: set LOCK_STORE_URL=redis://host:6379/1")
        env = rasa_env()
        env.update(
            s.as_env(),  # every server reads the same settings, whatever .env says
            ACTION_ENDPOINT_URL=s.action_endpoint_url,
            LOCK_STORE_URL=s.lock_store_url or "memory://",  # endpoints.yml needs every variable set
            PYTHONUNBUFFERED="1",
        )
        actions_env = dict(env, SANIC_HOST=s.actions_host)
        # The web side's interpreter has its own packages: nothing of the assistant's venv leaks in.
        web_env = {k: v for k, v in env.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
        # Several Sanic workers share one listening socket, and the first to wake accepts every
        # waiting connection: kept-alive connections (the chat page's, a proxy's) then pin all the
        # load on one worker (measured: one worker at 100 %, the other idle). Closing each
        # connection after its reply lets the next message go to whichever worker is free.
        assistant_env = dict(env, SANIC_KEEP_ALIVE="False") if s.sanic_workers > 1 else env
        if s.actions_workers > 1:
            actions_env["SANIC_KEEP_ALIVE"] = "False"
        # Several Sanic workers: each writes its metrics to files that the exporter adds up (prometheus-client's
        # multiprocess mode); the directory starts empty with each stack.
        for workers, name, service_env in ((s.sanic_workers, "rasa", assistant_env),
                                           (s.actions_workers, "actions", actions_env)):
            if workers > 1:  # (both environments are copies of `env` then)
                metrics_dir = s.var_dir / "metrics" / name
                shutil.rmtree(metrics_dir, ignore_errors=True)
                private_directory(metrics_dir)
                service_env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        self.rasa_module = self.rasa_module or ("bot.rasa_ext.fast" if s.rasa_speedups else "bot.rasa_ext.server")
        rasa_command = [
            python, "-m", self.rasa_module, "run", "--model", str(self.model_path), "--endpoints", "endpoints.yml",
            "--credentials", "credentials.yml", "--interface", s.rasa_host, "--port", str(s.rasa_port),
            "--response-timeout", "30",
        ]
        if s.cors_origins:
            rasa_command += ["--cors", *s.cors_origins]
        if s.rasa_auth_token:  # the HTTP API exposes every conversation: only with a token
            rasa_command += ["--enable-api", "--auth-token", s.rasa_auth_token]
        self.services = {
            "actions": Service("action server", [python, "-m", "bot.rasa_ext.action_server", "--actions", "actions",
                                                 "--port", str(s.actions_port)],
                               f"http://{_local(s.actions_host)}:{s.actions_port}/health", actions_env,
                               logs / "actions.log"),
            "rasa": Service("assistant (Rasa)", rasa_command, f"{s.rasa_url}/", assistant_env, logs / "rasa.log"),
            "chat": Service("chat page", [web, "-m", "bot.web.chat"],
                            f"http://{_local(s.chat_host)}:{s.chat_port}/healthz", web_env, logs / "chat_page.log"),
            "coordinator": Service("coordinator app", [web, "-m", "bot.web.coordinator"],
                                   f"http://{_local(s.coordinator_host)}:{s.coordinator_port}/login",
                                   web_env, logs / "coordinator.log"),
        }
        # The notifier runs only when notifications are configured (a wrong setting stops `make run`
        # here, with a message naming it); it answers nothing, so it counts as up while it runs.
        if notify_config(s).enabled:
            self.services["notify"] = Service("notifier", [web, "-m", "bot.notify"], "", web_env, logs / "notify.log")

    def start(self, names: list[str] | None = None, progress: bool = False) -> None:
        chosen = [self.services[n] for n in (names or list(self.services))]
        for service in chosen:
            service.start()
        self.wait(chosen, progress)

    def wait(self, services: list[Service], progress: bool = False) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        pending = list(services)
        started = time.monotonic()
        while pending:
            for service in list(pending):
                if service.answers():
                    pending.remove(service)
                    if progress:
                        print(f"\n  {service.name} is up ({time.monotonic() - started:.0f} s)", end="", flush=True)
                elif not service.running():
                    self.stop()
                    raise RuntimeError(f"{service.name} stopped while starting. Its log:\n{service.log_tail()}")
            if pending and time.monotonic() > deadline:
                self.stop()
                names = ", ".join(s.name for s in pending)
                raise RuntimeError(
                    f"{names} did not answer within {STARTUP_TIMEOUT_S} s; logs in {self.settings.var_dir / 'log'}"
                )
            if pending:
                if progress:
                    print(".", end="", flush=True)
                time.sleep(1)
        if progress:
            print(flush=True)

    def stop(self, names: list[str] | None = None) -> None:
        for name in reversed(names or list(self.services)):
            self.services[name].stop()


def prepare(settings: Settings) -> None:
    """Everything `make run` does before starting servers; each step is skipped when up to date."""
    from bot.leads.migrate import upgrade
    from bot.nlu.training import train

    if not settings.data_key:
        raise SystemExit("PRESCREEN_DATA_KEY is not set: run `make env` to create .env with fresh keys.")
    private_directory(settings.var_dir)
    for url in (settings.database_url, settings.tracker_store_url):
        private_sqlite_file(url)  # before SQLite creates it with the umask's mode
    print("Applying database migrations...", flush=True)
    upgrade(settings.database_url)
    train()


def main() -> None:
    settings = load_settings()
    prepare(settings)
    stack = Stack(settings)
    print("Starting the servers (loading the Rasa model takes a little while)", end="", flush=True)
    try:
        stack.start(progress=True)
    except RuntimeError as error:
        raise SystemExit(str(error)) from None
    s = settings
    print("\nPrescreen is running:")
    if "chat" in stack.services:
        print(f"  Patient chat page   http://{_local(s.chat_host)}:{s.chat_port}/")
    if "coordinator" in stack.services:
        print(f"  Coordinator app     http://{_local(s.coordinator_host)}:{s.coordinator_port}/"
              "   (add an account: .venv/bin/prescreen coordinator add NAME)")
    print(f"  Rasa REST channel   {s.rasa_url}/webhooks/rest/webhook")
    print(f"  Rasa socket.io      {s.rasa_url}/socket.io")
    print(f"  Action server       http://{_local(s.actions_host)}:{s.actions_port}/health")
    print(f"  Lead database       {s.database_url}")
    channels = notify_config(s).channels
    print(f"  Notifications       {'on: ' + ', '.join(channels) if channels else OFF_NOTICE}")
    print(f"  Logs                {s.var_dir / 'log'}")
    print("Press Ctrl-C to stop.", flush=True)
    stopping = False

    def handle_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, handle_signal)
    signal.signal(signal.SIGTERM, handle_signal)
    try:
        while not stopping:
            for service in stack.services.values():
                if not service.running():
                    print(f"\n{service.name} stopped unexpectedly. Its log:\n{service.log_tail()}", flush=True)
                    stopping = True
            time.sleep(1)
    finally:
        print("\nStopping...", flush=True)
        stack.stop()
        print("Stopped.")


if __name__ == "__main__":
    main()
