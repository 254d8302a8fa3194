"""The scale-out profile on one machine, for the benchmark and the tests (README "Speed and scale").

Starts, on free loopback ports under one temporary directory: a PostgreSQL server (lead store and
tracker store), a Redis server (Rasa's lock store), several action servers and several Rasa
instances, and nginx in front of them with deploy/nginx/prescreen.conf (its ports rewritten).
Production runs the same pieces on several machines; nothing here is needed there.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bot.nlu.training import MODEL_PATH
from bot.ops.run import Service, Stack
from bot.settings import PROJECT_ROOT, Settings
from tools.stack import (
    PostgresServer,
    RedisServer,
    ensure_system_packages,
    free_port,
    fresh_key,
    throwaway_settings,
    wait_port,
    which,
)

NGINX_CONF = PROJECT_ROOT / "deploy" / "nginx" / "prescreen.conf"
# The ports deploy/nginx/prescreen.conf is written for; a local run rewrites them.
CONF_PUBLIC_PORT = 80
CONF_RASA_PORTS = (5005, 5006)
CONF_ACTIONS_PROXY_PORT = 5056
CONF_ACTIONS_PORTS = (5055, 5057)


# ---------------------------------------------------------------------------------- nginx


def render_nginx_conf(public_port: int, rasa_ports: list[int], actions_proxy_port: int,
                      actions_ports: list[int], chat_ports: list[int] | None = None, source: Path = NGINX_CONF) -> str:
    """deploy/nginx/prescreen.conf with local ports: one `server` line per instance."""
    text = source.read_text()
    text = re.sub(rf"listen\s+{CONF_PUBLIC_PORT}\s*;", f"listen 127.0.0.1:{public_port};", text)
    text = re.sub(rf"listen\s+127\.0\.0\.1:{CONF_ACTIONS_PROXY_PORT}\s*;", f"listen 127.0.0.1:{actions_proxy_port};",
                  text)

    def upstream(name: str, ports: list[int], text: str) -> str:
        match = re.search(rf"upstream {name} \{{(.*?)\n\}}", text, re.S)
        if not match:
            raise ValueError(f"upstream {name} not found in {source}")
        body = match.group(1)
        first = re.search(r"^(\s*)server 127\.0\.0\.1:\d+([^;]*);.*$", body, re.M)
        if not first:
            raise ValueError(f"upstream {name} has no server line in {source}")
        indent, options = first.group(1), first.group(2)
        kept = re.sub(r"^\s*server 127\.0\.0\.1:\d+[^\n]*\n?", "", body, flags=re.M)
        servers = "".join(f"{indent}server 127.0.0.1:{port}{options};\n" for port in ports)
        return text[:match.start(1)] + "\n" + servers + kept.lstrip("\n") + text[match.end(1):]

    text = upstream("prescreen_rasa", rasa_ports, text)
    text = upstream("prescreen_rasa_socketio", rasa_ports, text)
    text = upstream("prescreen_actions", actions_ports, text)
    text = upstream("prescreen_chat", chat_ports or [free_port()], text)
    return text


@dataclass
class Nginx:
    """nginx in the foreground with a generated main config that includes the rendered site config."""

    root: Path
    site_conf: str
    process: subprocess.Popen[bytes] | None = None

    def start(self, port: int) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.root / name).mkdir(exist_ok=True)
            os.chmod(self.root / name, 0o777)
        (self.root / "prescreen.conf").write_text(self.site_conf)
        user = "user root;\n" if os.geteuid() == 0 else ""
        (self.root / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {self.root}/nginx.pid;\nerror_log {self.root}/error.log warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            f"  access_log off;\n  client_body_temp_path {self.root}/body;\n  proxy_temp_path {self.root}/proxy;\n"
            f"  fastcgi_temp_path {self.root}/fastcgi;\n  uwsgi_temp_path {self.root}/uwsgi;\n"
            f"  scgi_temp_path {self.root}/scgi;\n"
            f"  include {self.root}/prescreen.conf;\n}}\n"
        )
        nginx = which("nginx") or "nginx"
        check = subprocess.run([nginx, "-t", "-p", str(self.root), "-c", str(self.root / "nginx.conf")],
                               capture_output=True, text=True, timeout=30)
        if check.returncode != 0:
            raise RuntimeError(f"nginx rejected the configuration:\n{check.stderr}")
        log = open(self.root / "nginx.out", "ab")
        self.process = subprocess.Popen(
            [nginx, "-p", str(self.root), "-c", str(self.root / "nginx.conf"), "-g", "daemon off;"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        wait_port(port, self.process, "nginx")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # fast shutdown of master and workers
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()


# ---------------------------------------------------------------------------------- the whole profile


def create_tracker_tables(url: str) -> None:
    """Rasa's tracker-store table, made before the instances start: instances that find an empty
    database at the same moment race to create it, and the losers wait 5 s before trying again."""
    import sqlalchemy
    from rasa.core.tracker_store import SQLTrackerStore

    engine = sqlalchemy.create_engine(url)
    try:
        SQLTrackerStore.Base.metadata.create_all(engine)
    finally:
        engine.dispose()



@dataclass
class ScaleOut:
    """PostgreSQL + Redis + M action servers + N Rasa instances + nginx, on one machine."""

    instances: int = 2
    actions: int = 2
    model_path: Path = MODEL_PATH
    rasa_module: str = "bot.rasa_ext.server"
    data_key: str = ""
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="prescreen-scale-")))
    extra_env: dict[str, str] = field(default_factory=dict)
    postgres: PostgresServer | None = None
    redis: RedisServer | None = None
    nginx: Nginx | None = None
    stacks: list[Stack] = field(default_factory=list)
    public_port: int = 0
    settings: Settings | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.public_port}"

    @property
    def rest_url(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    def services(self) -> list[Service]:
        return [service for stack in self.stacks for service in stack.services.values()]

    def start_infrastructure(self) -> None:
        """PostgreSQL with migrated lead and tracker databases, and Redis."""
        from bot.leads.migrate import upgrade

        ensure_system_packages({"redis-server": "redis-server", "nginx": "nginx", "initdb": "postgresql"})
        self.postgres = PostgresServer()
        self.postgres.start()
        database_url = self.postgres.create_database("prescreen")
        tracker_url = self.postgres.create_database("tracker")
        upgrade(database_url)
        create_tracker_tables(tracker_url)
        self.redis = RedisServer(self.root / "redis")
        self.redis.start()
        self.public_port = free_port()
        self.settings = throwaway_settings(self.root / "var", database_url=database_url, tracker_store_url=tracker_url,
                                           data_key=self.data_key or fresh_key(), lock_store_url=self.redis.url)

    def start(self, wait: bool = True) -> float:
        """Start everything; returns seconds from starting the servers until all answered."""
        if self.settings is None:
            self.start_infrastructure()
        assert self.settings is not None
        actions_proxy_port = free_port()
        actions_ports = [free_port() for _ in range(self.actions)]
        rasa_ports = [free_port() for _ in range(self.instances)]
        self.nginx = Nginx(self.root / "nginx", render_nginx_conf(self.public_port, rasa_ports, actions_proxy_port,
                                                                  actions_ports))
        self.nginx.start(self.public_port)
        proxy_actions = f"http://127.0.0.1:{actions_proxy_port}/webhook"
        self.stacks = []
        for index in range(max(self.instances, self.actions)):
            settings = dataclasses.replace(
                self.settings,
                rasa_host="127.0.0.1", rasa_port=rasa_ports[index] if index < self.instances else free_port(),
                actions_host="127.0.0.1", actions_port=actions_ports[index] if index < self.actions else free_port(),
                var_dir=self.root / f"var{index + 1}",
            )
            stack = Stack(settings, model_path=self.model_path, rasa_module=self.rasa_module)
            stack.services = {name: service for name, service in stack.services.items() if name in ("actions", "rasa")}
            if index >= self.actions:
                del stack.services["actions"]
            if index >= self.instances:
                del stack.services["rasa"]
            if "rasa" in stack.services:  # every instance reaches every action server through nginx
                stack.services["rasa"].env["ACTION_ENDPOINT_URL"] = proxy_actions
            for service in stack.services.values():
                service.env.update(self.extra_env)
            self.stacks.append(stack)
        started = time.monotonic()
        for service in self.services():
            service.start()
        if wait:
            for stack in self.stacks:
                stack.wait(list(stack.services.values()))
        return time.monotonic() - started

    def stop(self) -> None:
        for stack in self.stacks:
            stack.stop()
        for part in (self.nginx, self.redis, self.postgres):
            if part is not None:
                part.stop()

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


if __name__ == "__main__":  # a manual look: python -m tools.scale_profile (Ctrl-C stops)
    from cryptography.fernet import Fernet

    profile = ScaleOut(data_key=Fernet.generate_key().decode())
    print(f"starting under {profile.root} ...", flush=True)
    try:
        seconds = profile.start()
        print(f"ready in {seconds:.1f} s: {profile.rest_url}", flush=True)
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        profile.stop()
        profile.cleanup()
    sys.exit(0)
