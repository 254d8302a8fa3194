"""`make test-deploy`: the images and compose.yaml, tested on this machine with podman.

These tests are marked `deploy` and run only when PRESCREEN_TEST_DEPLOY=1 (set by
scripts/test_deploy.sh, which first builds the base-image stand-ins and the images): `make test`
skips them. The stack comes up once per session on free ports, with its own env file and a
self-signed certificate, and is taken down with its volumes at the end.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT
from tests.deploy.compose_stack import ComposeStack

ENABLED = os.environ.get("PRESCREEN_TEST_DEPLOY") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="deployment test: run with `make test-deploy`")
    for item in items:
        if item.get_closest_marker("deploy") is not None and not ENABLED:
            item.add_marker(skip)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DeployedStack(ComposeStack):
    """The compose stack as the tests see it: nginx's two TLS addresses and its certificate."""

    https_port: int
    staff_port: int
    certificate: Path
    env_file: Path

    @property
    def chat_url(self) -> str:
        return f"https://localhost:{self.https_port}"

    @property
    def staff_url(self) -> str:
        return f"https://localhost:{self.staff_port}"

    def env_value(self, name: str) -> str:
        for line in self.env_file.read_text().splitlines():
            if line.startswith(f"{name}="):
                return line.split("=", 1)[1]
        return ""


@pytest.fixture(scope="session")
def deployed() -> Iterator[DeployedStack]:
    root = Path(tempfile.mkdtemp(prefix="prescreen-deploy-"))
    env_file, tls = root / "prescreen.env", root / "tls"
    subprocess.run([str(PROJECT_ROOT / "scripts" / "deploy_env.sh"), str(env_file)], check=True,
                   capture_output=True)
    # Notifications on, to a webhook nobody answers: the notifier runs, retries and marks them failed.
    # One test client plays whole prescreens back to back, faster than any patient types.
    overrides = {"NOTIFY_WEBHOOK_URL": "http://127.0.0.1:9/unanswered", "NOTIFY_MAX_ATTEMPTS": "1",
                 "CHAT_RATE_PER_CONVERSATION": "0"}
    lines = [line for line in env_file.read_text().splitlines() if line.split("=", 1)[0] not in overrides]
    env_file.write_text("\n".join([*lines, *(f"{k}={v}" for k, v in overrides.items())]) + "\n")
    tls.mkdir(mode=0o700)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(tls / "key.pem"),
                    "-out", str(tls / "cert.pem")], check=True, capture_output=True)
    https_port, staff_port = free_port(), free_port()
    stack = DeployedStack(
        project=f"prescreen-test-{uuid.uuid4().hex[:8]}",
        env={"PRESCREEN_ENV_FILE": str(env_file), "PRESCREEN_HTTPS_PORT": str(https_port),
             "PRESCREEN_STAFF_PORT": str(staff_port), "PRESCREEN_TLS_CERTIFICATE": str(tls / "cert.pem"),
             "PRESCREEN_TLS_KEY": str(tls / "key.pem"), "PRESCREEN_VERSION": os.environ.get("PRESCREEN_VERSION",
                                                                                             "latest")},
    )
    stack.https_port, stack.staff_port, stack.certificate, stack.env_file = (https_port, staff_port,
                                                                              tls / "cert.pem", env_file)
    print(f"\ncompose project {stack.project}: chat page {stack.chat_url}, coordinator app {stack.staff_url}",
          flush=True)
    try:
        stack.up()
        yield stack
    except Exception:
        for service in stack.config["services"]:
            print(f"--- {service}\n{stack.logs(service, 30)}")
        raise
    finally:
        started = time.monotonic()
        try:
            stack.down()
        finally:
            for name, seconds in {**stack.timings, "teardown": time.monotonic() - started}.items():
                print(f"deploy timing: {name}: {seconds:.0f} s", flush=True)
