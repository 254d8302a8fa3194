"""compose.yaml brought up with podman-compose for `make test-deploy`, and read for its facts.

Podman before 4.6 (Debian bookworm has 4.3) neither runs health checks on its own (it needs systemd
timers) nor lets podman-compose wait for `service_healthy`: on such a machine this driver does what
Docker Compose does with the file's `depends_on`. It starts the services in the order depends_on
gives, layer by layer, runs each container's own health check (`podman healthcheck run`) until it
passes, and waits for one-shot services (migrate) to exit 0 before starting what depends on them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT

COMPOSE_FILE = PROJECT_ROOT / "compose.yaml"
CONTAINERS_CONF = Path(__file__).with_name("containers.conf")


def compose_config(path: Path = COMPOSE_FILE) -> dict[str, Any]:
    """compose.yaml with its YAML anchors and merge keys resolved."""
    return yaml.safe_load(path.read_text())


def start_layers(config: dict[str, Any]) -> list[list[str]]:
    """Services in the order depends_on allows: each layer depends only on the layers before it."""
    services = config["services"]
    pending = {name: set(_dependencies(spec)) for name, spec in services.items()}
    layers: list[list[str]] = []
    done: set[str] = set()
    while pending:
        ready = sorted(name for name, deps in pending.items() if deps <= done)
        if not ready:
            raise ValueError(f"depends_on has a cycle among {sorted(pending)}")
        layers.append(ready)
        done |= set(ready)
        for name in ready:
            del pending[name]
    return layers


def _dependencies(spec: dict[str, Any]) -> list[str]:
    deps = spec.get("depends_on") or []
    return list(deps) if isinstance(deps, (list, dict)) else []


def one_shot(spec: dict[str, Any]) -> bool:
    return str(spec.get("restart", "no")) == "no"


def podman_env() -> dict[str, str]:
    return dict(os.environ, CONTAINERS_CONF=str(CONTAINERS_CONF))


def podman(*args: str, check: bool = True, timeout: float = 120, input: str | None = None) -> str:
    result = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout, env=podman_env(),
                            input=input)
    if check and result.returncode != 0:
        raise RuntimeError(f"podman {' '.join(args[:3])} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return result.stdout


@dataclass
class ComposeStack:
    """One project of compose.yaml, on ports and an env file of its own."""

    project: str
    env: dict[str, str]  # PRESCREEN_ENV_FILE, PRESCREEN_HTTPS_PORT, ... for the file's ${...}
    config: dict[str, Any] = field(default_factory=compose_config)
    timings: dict[str, float] = field(default_factory=dict)

    def compose(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "podman_compose", "--project-name", self.project, "-f", str(COMPOSE_FILE),
                   *args]
        result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout,
                                env=dict(podman_env(), **self.env))
        if result.returncode != 0:
            raise RuntimeError(f"podman-compose {' '.join(args)} failed ({result.returncode}):\n"
                               f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result

    def container(self, service: str) -> str:
        names = podman("ps", "-a", "--filter", f"label=com.docker.compose.project={self.project}",
                       "--filter", f"label=com.docker.compose.service={service}", "--format", "{{.Names}}").split()
        if not names:
            raise RuntimeError(f"no container for service {service}")
        return names[0]

    def up(self, timeout_s: float = 600) -> None:
        """Start every service in depends_on order; return when each is healthy (or, one-shots, done)."""
        started = time.monotonic()
        for layer in start_layers(self.config):
            self.compose("up", "-d", "--no-deps", *layer)
            for service in layer:
                self.wait(service, deadline=started + timeout_s)
            print(f"  up: {', '.join(layer)} after {time.monotonic() - started:.0f} s", flush=True)
        key = "start-up (all healthy)" if "start-up (all healthy)" not in self.timings else "start-up again"
        self.timings[key] = time.monotonic() - started

    def wait(self, service: str, deadline: float) -> None:
        spec = self.config["services"][service]
        name = self.container(service)
        if one_shot(spec):
            code = podman("wait", name, timeout=max(1.0, deadline - time.monotonic())).strip()
            if code != "0":
                raise RuntimeError(f"{service} exited {code}:\n{self.logs(service)}")
            return
        check = spec.get("healthcheck") or {}
        if check.get("disable") or not check.get("test"):
            return
        while True:
            state = json.loads(podman("inspect", name))[0]["State"]
            if not state.get("Running"):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{service} is not running:\n{self.logs(service)}")
                time.sleep(2)  # restarting (restart policy), or not yet started
                continue
            result = subprocess.run(["podman", "healthcheck", "run", name], capture_output=True,
                                    env=podman_env(), timeout=60)
            if result.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{service} never became healthy:\n{self.logs(service)}")
            time.sleep(3)

    def exec(self, service: str, *command: str, input: str | None = None) -> str:
        return podman("exec", "-i", self.container(service), *command, input=input, timeout=300)

    def logs(self, service: str, lines: int = 60) -> str:
        try:
            result = subprocess.run(["podman", "logs", "--tail", str(lines), self.container(service)],
                                    capture_output=True, text=True, timeout=30, env=podman_env())
            return result.stdout + result.stderr
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            return f"(no log: {error})"

    def down(self) -> None:
        started = time.monotonic()
        self.compose("down", "--volumes", "--timeout", "20")
        self.timings["down"] = time.monotonic() - started
