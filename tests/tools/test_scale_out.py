"""The scale-out profile: two Rasa instances behind nginx share conversations safely.

PostgreSQL (lead and tracker store), Redis (lock store), two action servers and two Rasa
instances behind nginx with deploy/nginx/prescreen.conf, all on loopback high ports
(tools/scale_profile.py; redis-server and nginx are installed with apt-get when missing, as root).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from bot.leads.crypto import FieldCipher
from bot.leads.database import Database
from bot.leads.store import LeadStore
from tests.conftest import TEST_KEY
from tools import bench
from tools.scale_profile import ScaleOut, free_port

pytestmark = pytest.mark.e2e

PATIENTS = 4  # whole prescreens at once through nginx: 4 x 28 messages


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaleOut]:
    from bot.nlu.training import train

    train()  # no-op when the model is current (make test trains first)
    root = tmp_path_factory.mktemp("scale")
    probes = root / "probes"
    probes.mkdir()
    scale = ScaleOut(instances=2, actions=2, data_key=TEST_KEY, root=root, rasa_module="tools.bench_rasa_timing",
                     extra_env={"PRESCREEN_BENCH_PROBE_DIR": str(probes)})
    try:
        scale.start()
        yield scale
    finally:
        scale.stop()


def health(scale: ScaleOut, *extra: str) -> subprocess.CompletedProcess[str]:
    settings = scale.settings
    assert settings is not None
    rasa = [arg for stack in scale.stacks if "rasa" in stack.services
            for arg in ("--rasa", stack.settings.rasa_url)]
    actions = [arg for stack in scale.stacks if "actions" in stack.services
               for arg in ("--actions", f"http://127.0.0.1:{stack.settings.actions_port}")]
    env = dict(os.environ, DATABASE_URL=settings.database_url, TRACKER_STORE_URL=settings.tracker_store_url,
               LOCK_STORE_URL=settings.lock_store_url)
    return subprocess.run([sys.executable, "-m", "bot.ops.health", *rasa, *actions, "--assistant-only", "--timeout",
                           "2", *extra],
                          env=env, capture_output=True, text=True, timeout=60)


def test_two_instances_serve_interleaved_turns_without_loss_or_reordering(profile: ScaleOut) -> None:
    probe_dir = Path(profile.extra_env["PRESCREEN_BENCH_PROBE_DIR"])
    bench.read_probes(probe_dir)  # drop anything from start-up
    phase = bench.play(profile.rest_url, "scale-test", PATIENTS, PATIENTS, think_s=0.0, max_seconds=150, timeout_s=30)
    assert phase.errors == 0, phase.summary()["error_kinds"]
    assert phase.completed == PATIENTS
    assert profile.settings is not None
    order = bench.check_turn_order(profile.settings.tracker_store_url, phase.sent, profile.settings.data_key)
    assert order["conversations_checked"] == PATIENTS and order["problems"] == 0, order["examples"]
    # Both instances took turns, and the same conversations moved between them.
    instance_of = {stack.services["rasa"].process.pid: f"rasa-{number}"  # type: ignore[union-attr]
                   for number, stack in enumerate(profile.stacks, start=1) if "rasa" in stack.services}
    served = bench.instances_per_conversation(bench.read_probes(probe_dir), instance_of)
    assert set(served["turns_per_instance"]) == {"rasa-1", "rasa-2"}, served
    assert served["served_by_2_or_more_instances"] == PATIENTS, served
    # The leads reached the shared PostgreSQL lead store.
    store = LeadStore(Database(profile.settings.database_url), FieldCipher(TEST_KEY))
    try:
        for sender in phase.sent:
            lead = store.get_lead(sender)
            assert lead.provisional_status == "likely_eligible" and lead.contact is not None
    finally:
        store.database.engine.dispose()


def test_simultaneous_messages_of_one_conversation_on_both_instances_take_turns(profile: ScaleOut) -> None:
    """The Redis lock store makes the second message wait for the first, on another instance."""
    sender = uuid.uuid4().hex
    urls = [f"{stack.settings.rasa_url}/webhooks/rest/webhook" for stack in profile.stacks if "rasa" in stack.services]
    assert requests.post(urls[0], json={"sender": sender, "message": "hi"}, timeout=30).json()

    def send(index: int) -> list[dict]:
        time.sleep(0.2 * index)  # the first message reaches Redis first
        response = requests.post(urls[index], json={"sender": sender, "message": ["yes I agree", "40"][index]},
                                 timeout=30)
        assert response.status_code == 200
        return response.json()

    with ThreadPoolExecutor(max_workers=2) as pool:
        consent_reply, age_reply = list(pool.map(send, [0, 1]))
    assert consent_reply and age_reply
    assert profile.settings is not None
    order = bench.check_turn_order(profile.settings.tracker_store_url, {sender: ["hi", "yes I agree", "40"]},
                                   profile.settings.data_key)
    assert order["problems"] == 0, order["examples"]
    assert "spread to the liver" in " ".join(r.get("text", "") for r in age_reply)  # the age was taken: next question


def test_health_check_fails_loudly_when_redis_is_down(profile: ScaleOut) -> None:
    healthy = health(profile)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "redis lock store" in healthy.stdout and "FAIL" not in healthy.stdout
    serve_port = free_port()
    assert profile.settings is not None
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.ops.health", "--assistant-only", "--serve", str(serve_port), "--timeout", "1"],
        env=dict(os.environ, DATABASE_URL=profile.settings.database_url,
                 TRACKER_STORE_URL=profile.settings.tracker_store_url, LOCK_STORE_URL=profile.settings.lock_store_url,
                 RASA_PORT=str(profile.stacks[0].settings.rasa_port),
                 ACTIONS_PORT=str(profile.stacks[0].settings.actions_port)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    assert profile.redis is not None
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                assert requests.get(f"http://127.0.0.1:{serve_port}/healthz", timeout=5).status_code == 200
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the health server did not start"
                time.sleep(0.2)
        profile.redis.stop()
        # What the health check is for: Rasa still answers 200, but with nothing in it.
        response = requests.post(profile.rest_url, json={"sender": uuid.uuid4().hex, "message": "hi"}, timeout=30)
        assert response.status_code == 200 and response.json() == []
        down = health(profile)
        assert down.returncode != 0
        assert "FAIL redis lock store" in down.stdout and "UNHEALTHY: redis lock store" in down.stdout
        time.sleep(1.2)  # past the server's one-second cache
        reply = requests.get(f"http://127.0.0.1:{serve_port}/healthz", timeout=10)
        assert reply.status_code == 503
        assert [c["name"] for c in reply.json()["checks"] if not c["ok"]] == ["redis lock store"]
        listed = json.loads(health(profile, "--json").stdout)
        assert listed["ok"] is False
    finally:
        server.terminate()
        server.wait(timeout=10)
        profile.redis.start()  # same port: back for any later test
    assert health(profile).returncode == 0
    sender = uuid.uuid4().hex
    assert requests.post(profile.rest_url, json={"sender": sender, "message": "hi"}, timeout=30).json()
