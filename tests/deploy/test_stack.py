"""The compose stack as patients and staff reach it: through nginx, over TLS (issue 21).

Whole prescreens in English and in Chinese go through the chat page's own API (as the page's script
sends them) and are checked turn by turn with the e2e conversation player; each must end with the
lead stored in the stack's PostgreSQL. The coordinator app answers behind nginx, a coordinator
signs in and sees the lead list.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
import requests

from tests.deploy.compose_stack import podman
from tests.deploy.conftest import DeployedStack
from tests.e2e.conversations import CONVERSATIONS_FILE, CONVERSATIONS_FILE_ZH, load_conversations, play

pytestmark = pytest.mark.deploy

# Whole prescreens, one per outcome and language, from the e2e conversation files.
WHOLE = {"en": CONVERSATIONS_FILE, "zh": CONVERSATIONS_FILE_ZH}


def chat_say(stack: DeployedStack, session: requests.Session) -> Any:
    """say(sender, text, lang) through nginx and the chat page (POST /api/messages), as Rasa-style replies."""

    def say(sender: str, text: str, lang: str | None = None) -> list[dict]:
        response = session.post(f"{stack.chat_url}/api/messages", params={"lang": lang or "en"},
                                json={"sender_id": sender, "text": text}, timeout=90, verify=str(stack.certificate))
        response.raise_for_status()
        return list(response.json()["messages"])

    return say


def lead_status(stack: DeployedStack, sender: str) -> str | None:
    """The stored lead's provisional status, read in the coordinator container from the stack's database."""
    code = (
        "import sys\n"
        "from bot.leads.crypto import FieldCipher\nfrom bot.leads.database import Database\n"
        "from bot.leads.store import LeadNotFound, LeadStore\nfrom bot.settings import load_settings\n"
        "s = load_settings()\nstore = LeadStore(Database(s.database_url), FieldCipher(s.data_key))\n"
        "try:\n    print(store.get_lead(sys.argv[1]).provisional_status)\n"
        "except LeadNotFound:\n    print('none')\n"
    )
    out = stack.exec("coordinator", "python", "-c", code, sender).strip().splitlines()[-1]
    return None if out == "none" else out


def whole_conversations(language: str) -> list[Any]:
    """The file's conversations that end in a stored lead, one per status (the stack plays few, not all)."""
    chosen: dict[str, Any] = {}
    for conversation in load_conversations(WHOLE[language]):
        if conversation.status and conversation.status != "none" and conversation.status not in chosen:
            chosen[conversation.status] = conversation
    return list(chosen.values())


@pytest.mark.parametrize("language", ["en", "zh"])
def test_whole_prescreens_through_nginx_over_tls(deployed: DeployedStack, language: str) -> None:
    conversations = whole_conversations(language)
    assert conversations, f"no whole conversation with a stored lead in {WHOLE[language].name}"
    session = requests.Session()
    page = session.get(f"{deployed.chat_url}/?lang={language}", timeout=30, verify=str(deployed.certificate))
    assert page.status_code == 200 and f'lang="{language}' in page.text
    assert "max-age" in page.headers.get("Strict-Transport-Security", "")
    failures: list[str] = []
    for conversation in conversations:
        sender = f"deploy-{language}-{uuid.uuid4().hex[:12]}"
        result = play(conversation, sender, chat_say(deployed, session), None, lambda s: lead_status(deployed, s))
        failures += [f"{conversation.id}: {json.dumps(f, ensure_ascii=False)[:400]}" for f in result.failures]
    assert not failures, "\n".join(failures)


def test_plain_http_and_rasa_are_not_reachable(deployed: DeployedStack) -> None:
    """nginx speaks TLS only; nothing but nginx publishes a port (Rasa, actions, databases stay inside)."""
    try:  # nginx answers plain HTTP on its TLS port with 400 and nothing of the page
        plain = requests.get(f"http://localhost:{deployed.https_port}/", timeout=5)
        assert plain.status_code == 400 and "prescreen" not in plain.text.lower(), plain.text[:300]
    except requests.ConnectionError:
        pass
    published = podman("ps", "--filter", f"label=com.docker.compose.project={deployed.project}",
                       "--format", "{{.Labels}} {{.Ports}}")
    lines = [line for line in published.splitlines() if "->" in line]
    assert lines and all("com.docker.compose.service:nginx" in line for line in lines), published


def test_coordinator_app_behind_nginx(deployed: DeployedStack) -> None:
    verify = str(deployed.certificate)
    session = requests.Session()
    login = session.get(f"{deployed.staff_url}/login", timeout=30, verify=verify)
    assert login.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert token, "the login page has no form"
    password = uuid.uuid4().hex + "Aa1!"
    deployed.exec("coordinator", "prescreen", "coordinator", "add", "deploytest", "--language", "en",
                  input=password + "\n")
    signed_in = session.post(f"{deployed.staff_url}/login", timeout=30, verify=verify,
                             data={"csrf_token": token.group(1), "username": "deploytest", "password": password},
                             headers={"Referer": f"{deployed.staff_url}/login"})
    assert signed_in.status_code == 200, signed_in.text[:500]
    assert "/login" not in signed_in.url, "still on the login page after signing in"
    cookie = next(c for c in session.cookies)
    assert cookie.secure, "the session cookie must be Secure behind TLS (COORDINATOR_HTTPS=1)"


def test_every_container_runs_read_only_as_non_root(deployed: DeployedStack) -> None:
    problems = []
    for service, spec in deployed.config["services"].items():
        if spec.get("restart") == "no":
            continue  # the one-shot migrate has exited
        info = json.loads(podman("inspect", deployed.container(service)))[0]
        if not info["HostConfig"].get("ReadonlyRootfs"):
            problems.append(f"{service}: root filesystem writable")
        if service not in ("postgres", "redis", "nginx"):  # official images: they drop root themselves
            user = deployed.exec(service, "id", "-u").strip()
            if user == "0":
                problems.append(f"{service}: runs as root")
    assert not problems, problems


def test_backup_destroy_restore(deployed: DeployedStack) -> None:
    """`prescreen backup` in the running stack, the database destroyed, `prescreen restore` into the empty one:
    every lead is back, the erased one stays erased, and the stack serves again on the restored data."""
    session = requests.Session()
    senders = []
    for conversation in whole_conversations("en")[:2]:
        sender = f"deploy-backup-{uuid.uuid4().hex[:12]}"
        assert not play(conversation, sender, chat_say(deployed, session), None, None).failures
        senders.append(sender)
    kept, erased = senders
    erased_reference = lead_reference(deployed, erased)
    deployed.exec("coordinator", "prescreen", "leads", "erase", erased_reference, "--yes")
    before = deployed.exec("coordinator", "prescreen", "leads", "list")
    written = deployed.exec("coordinator", "prescreen", "backup")
    path = re.search(r"Backup written: (\S+\.backup)", written)
    assert path, written

    # Destroyed: every service that uses the database stopped, the database dropped and made anew, empty.
    users = [name for name in deployed.config["services"] if name not in ("postgres", "redis", "migrate")]
    deployed.compose("stop", *users)
    for sql in ("DROP DATABASE prescreen WITH (FORCE)", "CREATE DATABASE prescreen"):
        deployed.exec("postgres", "psql", "--username=prescreen", "--dbname=postgres", "-v", "ON_ERROR_STOP=1",
                      "-c", sql)

    restored = deployed.compose("run", "--rm", "--no-deps", "migrate", "prescreen", "restore", path.group(1), "--yes")
    assert "Restored" in restored.stdout, restored.stdout + restored.stderr
    deployed.up()
    after = deployed.exec("coordinator", "prescreen", "leads", "list")
    assert after == before
    assert lead_status(deployed, kept) is not None
    assert erased_reference not in after and lead_status(deployed, erased) is None
    # The restored stack takes new prescreens.
    conversation = whole_conversations("zh")[0]
    assert not play(conversation, f"deploy-after-{uuid.uuid4().hex[:12]}", chat_say(deployed, session), None,
                    lambda s: lead_status(deployed, s)).failures


def lead_reference(stack: DeployedStack, sender: str) -> str:
    code = (
        "import sys\n"
        "from bot.leads.crypto import FieldCipher\nfrom bot.leads.database import Database\n"
        "from bot.leads.store import LeadStore\nfrom bot.settings import load_settings\n"
        "s = load_settings()\nstore = LeadStore(Database(s.database_url), FieldCipher(s.data_key))\n"
        "print(store.get_lead(sys.argv[1]).reference_code)\n"
    )
    return stack.exec("coordinator", "python", "-c", code, sender).strip().splitlines()[-1]
