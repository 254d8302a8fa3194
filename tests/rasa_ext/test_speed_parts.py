"""The speed-and-scale parts without servers: lock-store choice, nginx rendering, the benchmark's
statistics and turn-order check, the health checks. (The Rasa speed patches: test_patches.py.)"""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
from pathlib import Path

import pytest

from bot.ops.health import database_check, redis_check, run_checks
from bot.settings import load_settings
from tools import bench
from tools.scale_profile import free_port, render_nginx_conf


def test_lock_store_url_is_parsed_for_redis() -> None:
    from bot.rasa_ext.lock_store import redis_parameters

    assert redis_parameters("redis://127.0.0.1:6380/2") == {
        "host": "127.0.0.1", "port": 6380, "db": 2, "username": None, "password": None, "use_ssl": False,
        "socket_timeout": 2.0,
    }
    with_password = redis_parameters("rediss://:s%40cret@redis.internal")
    assert with_password["password"] == "s@cret" and with_password["port"] == 6379 and with_password["db"] == 1
    assert with_password["use_ssl"] is True
    with pytest.raises(ValueError):
        redis_parameters("http://redis:6379/1")


def test_lock_store_is_in_memory_by_default_and_redis_when_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
    from rasa.utils.endpoints import EndpointConfig

    def create(url: str) -> LockStore:
        return LockStore.create(EndpointConfig(url=url, type="bot.rasa_ext.lock_store.ConfiguredLockStore"))

    monkeypatch.setenv("SANIC_WORKERS", "1")
    assert isinstance(create("memory://"), InMemoryLockStore)
    assert isinstance(create("redis://127.0.0.1:1/1"), RedisLockStore)  # connects only when used
    monkeypatch.setenv("SANIC_WORKERS", "2")
    with pytest.raises(ValueError, match="LOCK_STORE_URL"):
        create("memory://")


def test_stack_sets_every_endpoint_variable_and_refuses_workers_without_redis() -> None:
    from bot.ops.run import Stack

    settings = load_settings()
    stack = Stack(dataclasses.replace(settings, lock_store_url="", sanic_workers=1, rasa_speedups=True))
    env = stack.services["rasa"].env
    assert env["LOCK_STORE_URL"] == "memory://" and env["SANIC_WORKERS"] == "1"
    assert "SANIC_KEEP_ALIVE" not in env  # one process: keep-alive is only faster
    workers = Stack(dataclasses.replace(settings, lock_store_url="redis://127.0.0.1:6379/1", sanic_workers=2))
    assert workers.services["rasa"].env["SANIC_KEEP_ALIVE"] == "False"  # spreads messages over the workers
    assert "SANIC_KEEP_ALIVE" not in workers.services["actions"].env
    assert stack.services["rasa"].command[2] == "bot.rasa_ext.fast"
    plain = Stack(dataclasses.replace(settings, rasa_speedups=False))
    assert plain.services["rasa"].command[2] == "bot.rasa_ext.server"
    with pytest.raises(ValueError, match="LOCK_STORE_URL"):
        Stack(dataclasses.replace(settings, lock_store_url="", sanic_workers=2))
    endpoints = (Path(__file__).resolve().parents[2] / "endpoints.yml").read_text()
    for variable in re.findall(r"\$\{(\w+)\}", endpoints):
        assert variable in env, f"endpoints.yml needs {variable}, which bot/ops/run.py does not set"


def test_nginx_config_is_rendered_with_one_server_line_per_instance() -> None:
    text = render_nginx_conf(18080, [18001, 18002, 18003], 18056, [18101, 18102], [18201])
    upstreams = dict(re.findall(r"upstream (\w+) \{(.*?)\n\}", text, re.S))
    assert re.findall(r"server 127\.0\.0\.1:(\d+)", upstreams["prescreen_rasa"]) == ["18001", "18002", "18003"]
    assert re.findall(r"server 127\.0\.0\.1:(\d+)", upstreams["prescreen_rasa_socketio"]) == ["18001", "18002", "18003"]
    assert "ip_hash" in upstreams["prescreen_rasa_socketio"]
    assert re.findall(r"server 127\.0\.0\.1:(\d+)", upstreams["prescreen_actions"]) == ["18101", "18102"]
    assert "listen 127.0.0.1:18080;" in text and "listen 127.0.0.1:18056;" in text
    assert "listen 80;" not in text


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    result = bench.percentiles(values)
    assert (result["p50_ms"], result["p95_ms"], result["p99_ms"], result["max_ms"]) == (50, 95, 99, 100)
    assert bench.percentiles([])["p95_ms"] is None


def _tracker_db(path: Path, rows: list[tuple[str, str, str | None, dict]]) -> str:
    connection = sqlite3.connect(path)
    connection.execute("create table events (id integer primary key, sender_id text, type_name text, "
                       "action_name text, data text)")
    connection.executemany("insert into events (sender_id, type_name, action_name, data) values (?, ?, ?, ?)",
                           [(s, t, a, json.dumps(d)) for s, t, a, d in rows])
    connection.commit()
    connection.close()
    return f"sqlite:///{path}"


def test_turn_order_check_finds_lost_reordered_and_interleaved_turns(tmp_path: Path) -> None:
    def turn(sender: str, text: str) -> list[tuple[str, str, str | None, dict]]:
        return [(sender, "user", None, {"text": text}), (sender, "bot", None, {}),
                (sender, "action", "action_listen", {})]

    rows = turn("good", "hi") + turn("good", "yes") + turn("reordered", "yes") + turn("reordered", "hi")
    rows += turn("lost", "hi")
    rows += [("mixed", "user", None, {"text": "hi"}), ("mixed", "user", None, {"text": "yes"}),
             ("mixed", "action", "action_listen", {})]
    url = _tracker_db(tmp_path / "tracker.db", rows)
    sent = {name: ["hi", "yes"] for name in ("good", "reordered", "lost", "mixed")}
    result = bench.check_turn_order(url, sent)
    assert result["conversations_checked"] == 4 and result["problems"] == 3
    examples = " ".join(result["examples"])
    assert "reordered:" in examples and "(reordered)" in examples
    assert "lost: stored 1 messages, sent 2 (1 lost)" in examples
    assert "mixed: a message arrived before the previous turn ended" in examples
    assert "good:" not in examples


def test_health_checks_report_what_is_down(tmp_path: Path) -> None:
    database = tmp_path / "prescreen.db"
    sqlite3.connect(database).close()
    assert database_check(f"sqlite:///{database}", 1) == "select 1"
    with pytest.raises(FileNotFoundError):
        database_check(f"sqlite:///{tmp_path / 'missing.db'}", 1)  # and the file is not created
    assert not (tmp_path / "missing.db").exists()
    dead = free_port()
    with pytest.raises(Exception):  # noqa: B017 - redis-py's connection error
        redis_check(f"redis://127.0.0.1:{dead}/1", 0.5)
    settings = dataclasses.replace(load_settings(), database_url=f"sqlite:///{database}",
                                   tracker_store_url=f"sqlite:///{database}",
                                   lock_store_url=f"redis://127.0.0.1:{dead}/1")
    checks = {c.name: c for c in run_checks(settings, [f"http://127.0.0.1:{dead}"], [f"http://127.0.0.1:{dead}"], 0.5)}
    assert not checks["rasa"].ok and not checks["actions"].ok and not checks["redis lock store"].ok
    assert checks["lead database"].ok and checks["tracker store"].ok
    no_redis = dataclasses.replace(settings, lock_store_url="")
    assert "redis lock store" not in {c.name for c in run_checks(no_redis, timeout=0.5)}
    # The whole stack by default: the two web apps too (nothing listens here, so both fail).
    web = {c.name: c for c in run_checks(no_redis, [f"http://127.0.0.1:{dead}"], [f"http://127.0.0.1:{dead}"], 0.5,
                                         {"chat page": [f"http://127.0.0.1:{dead}"],
                                          "coordinator app": [f"http://127.0.0.1:{dead}"]})}
    assert not web["chat page"].ok and not web["coordinator app"].ok
    assert {"chat page", "coordinator app"} <= {c.name for c in run_checks(no_redis, timeout=0.5)}
    assert "chat page" not in {c.name for c in run_checks(no_redis, timeout=0.5, web_urls={})}


def test_nginx_limits_chat_messages_per_client_address_as_compose_does() -> None:
    """Behind nginx the chat pages see one address for every patient (CHAT_RATE_PER_ADDRESS=0 there), so
    the per-address limit lives in nginx, where the patients' addresses are known: the same in both files."""
    deploy = Path(__file__).resolve().parents[2] / "deploy" / "nginx"
    for name in ("prescreen.conf", "compose.conf"):
        text = (deploy / name).read_text()
        zone = re.search(r"limit_req_zone \$binary_remote_addr zone=(\w+):\w+ rate=([\w/]+);", text)
        assert zone and zone.group(2) == "300r/m", name
        api = re.search(r"location /api/ \{(.*?)\}", text, re.S)
        assert api and f"limit_req zone={zone.group(1)} " in api.group(1), name
