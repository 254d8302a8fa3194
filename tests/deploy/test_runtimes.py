"""No process that listens on a port reachable from outside the stack runs on Python 3.10 (issue 21).

Python 3.10 reached its end of life in October 2026; Rasa Open Source 3.6 cannot leave it, so Rasa
and the action server must sit where only the stack's own services reach them. compose.yaml says
what is reachable (published ports, networks that are not `internal`); the images say which Python
each service's command runs on (the interpreter its first word resolves to, asked in the image).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.trial.criteria import load_criteria
from tests.deploy.compose_stack import compose_config, podman

EOL_PYTHON = "3.10"
PROJECT_IMAGES = ("prescreen-assistant", "prescreen-web")


def reachable_from_outside(service: dict[str, Any], networks: dict[str, Any]) -> bool:
    """Published ports, or a network with a route to the host (not `internal: true`)."""
    if service.get("ports"):
        return True
    attached = service.get("networks") or ["default"]
    return any(not (networks.get(name) or {}).get("internal") for name in attached)


def image_name(service: dict[str, Any]) -> str:
    return re.sub(r"\$\{PRESCREEN_VERSION:-([^}]*)\}", r"\1", service["image"])


def test_rasa_and_actions_sit_on_internal_networks_only() -> None:
    """From the file alone (runs in `make test` too): the Python 3.10 services publish nothing, reach no outside."""
    config = compose_config()
    networks = config.get("networks") or {}
    for name, service in config["services"].items():
        if image_name(service).startswith("prescreen-assistant"):
            assert not reachable_from_outside(service, networks), f"{name} (Python 3.10) is reachable from outside"
    published = [name for name, service in config["services"].items() if service.get("ports")]
    assert published == ["nginx"], f"only nginx publishes ports, not {published}"


def command_python(image: str, command: list[str]) -> str | None:
    """The major.minor of the Python the command's first word runs on in the image; None: not Python."""
    probe = (
        'f=$(command -v "$0") || exit 3; '
        'if head -c 2 "$f" | grep -q "#!"; then i=$(head -n 1 "$f" | cut -c 3- | cut -d " " -f 1); else i="$f"; fi; '
        '"$i" -c "import sys; print(\'%d.%d\' % sys.version_info[:2])" 2>/dev/null || echo none'
    )
    out = podman("run", "--rm", "--network", "none", "--entrypoint", "sh", image, "-c", probe, command[0]).strip()
    return None if out.endswith("none") else out.splitlines()[-1]


@pytest.mark.deploy
def test_no_listening_process_reachable_from_outside_runs_python_310() -> None:
    config = compose_config()
    networks = config.get("networks") or {}
    runtimes: dict[str, str | None] = {}
    for name, service in config["services"].items():
        image = image_name(service)
        inspected = json.loads(podman("image", "inspect", image))[0]
        command = service.get("command") or inspected["Config"].get("Cmd") or []
        if isinstance(command, str):
            command = command.split()
        runtimes[name] = command_python(image, command) if command else None
        if reachable_from_outside(service, networks):
            assert runtimes[name] != EOL_PYTHON, f"{name} is reachable from outside and runs Python {EOL_PYTHON}"
    # The test can fail: Rasa and the action server do run 3.10; the web side a maintained Python.
    assert runtimes["rasa"] == runtimes["actions"] == EOL_PYTHON, runtimes
    for name in ("chat", "coordinator", "notifier", "migrate"):
        assert runtimes[name] is not None and tuple(map(int, runtimes[name].split("."))) >= (3, 12), runtimes


@pytest.mark.deploy
@pytest.mark.parametrize("image", PROJECT_IMAGES)
def test_images_are_labelled_non_root_and_carry_no_build_tools(image: str) -> None:
    inspected = json.loads(podman("image", "inspect", f"{image}:latest"))[0]
    labels = inspected["Config"].get("Labels") or {}
    assert labels.get("org.prescreen.criteria.version") == load_criteria().version
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", labels.get("org.opencontainers.image.version", "")), labels
    assert inspected["Config"].get("User") not in (None, "", "0", "root")
    leftovers = podman(
        "run", "--rm", "--network", "none", "--entrypoint", "sh", f"{image}:latest", "-c",
        "for c in gcc cc g++ make; do command -v $c; done; "
        "ls -d /root/.cache /tmp/* /opt/venv/bin/pip* /usr/local/bin/pip* 2>/dev/null; "
        "find / -xdev -type d -name 'pip' -path '*cache*' 2>/dev/null; true",
    ).split()
    assert not leftovers, f"{image} carries build tools or caches: {leftovers}"
