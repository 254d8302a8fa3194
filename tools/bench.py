"""`make bench`: simulated patients complete whole prescreens through the real REST channel.

For each configuration (the project's, Rasa's stock one, the scale-out profile with one and with
two Rasa instances behind nginx, ...) the benchmark starts the servers on free loopback ports with
their own throwaway databases, then plays:

1. warm-up: two patients, not counted;
2. latency: `--concurrency` patients at once (default 10), each pausing about `--think` seconds
   (default 1 s, uniform 0.5x-1.5x) before each message, as people do; per-turn p50/p95/p99;
3. throughput: `--patients` patients (default 30), `--concurrency` at a time, with no pause at all
   (closed loop): turns per second sustained, and the latency under that load.

A whole prescreen is 29 messages (greeting, consent, 20 answers, contact details with WeChat); every
other patient plays it in Chinese on a Chinese page, and latency is also reported per language. An error is a
non-200 answer, a timeout or an empty reply. It also reports the server start-up time, the peak
resident memory of each process (VmHWM), CPU time per turn of each process group, custom-action
latency and a time breakdown measured inside Rasa (tools/bench_rasa_timing.py), and checks in the tracker
store that every conversation holds every message, in order, each turn complete.

Results are printed and written to reports/bench.json, one object per configuration keyed by its
name (merged with the configurations measured earlier), with the ratio to `stock` when both ran.
Everything stays on 127.0.0.1 and is bounded: patients x 29 messages, `--max-seconds` per phase,
`--timeout` per message.

    python -m tools.bench                         # project and stock
    python -m tools.bench --configs scale-1,scale-2
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.nlu.training import TRAINING_DATA
from bot.settings import LOOPBACK_HOSTS, PROJECT_ROOT
from tools.stack import fresh_key

REPORT = PROJECT_ROOT / "reports" / "bench.json"
STOCK_CONFIG = PROJECT_ROOT / "bench" / "config_stock.yml"
STOCK_DIR = PROJECT_ROOT / "build" / "bench" / "stock"
STOCK_MODEL = STOCK_DIR / "stock.tar.gz"
LOG_DIR = PROJECT_ROOT / "build" / "bench" / "logs"

CONSENT = "yes I agree"
# A patient who meets every criterion (age 40, so the pregnancy questions are asked), then leaves
# contact details: the longest ordinary prescreen (tests/e2e/test_rest_conversations.py).
ELIGIBLE = ["40", "yes", "yes I have", "yes", "no, my scans were clear", "yes it was positive", "yes", "yes",
            "no never", "no", "no", "no", "no", "no", "no", "no", "no", "no", "not pregnant", "no"]
CONTACT = ["yes please", "Mary Smith", "+86 138 1234 5678", "skip", "mary@example.com", "weekday mornings", "yes"]
SCRIPT = ["hi", CONSENT, *ELIGIBLE, *CONTACT]
# The same patient in Chinese, on a Chinese page (the page's language goes with every message).
ELIGIBLE_ZH = ["40", "是的", "是的，做过手术", "肝上的也切了", "没有，复查都正常", "是阳性", "是", "可以自理", "没做过",
               "没有", "没有", "没有", "没有", "没有", "没有", "没有", "没有", "没有", "没有怀孕", "没有"]
CONTACT_ZH = ["可以", "王建国", "138 0013 8000", "跳过", "跳过", "工作日上午", "对的"]
SCRIPT_ZH = ["你好", "同意", *ELIGIBLE_ZH, *CONTACT_ZH]
SCRIPTS = {"en": SCRIPT, "zh": SCRIPT_ZH}
assert len(SCRIPT) == len(SCRIPT_ZH), "both languages play the same prescreen, so their figures compare"
# The script's first and last ten messages, for "does the 20th question cost what the first does".
POSITIONS = {"first 10 messages": range(0, 10), "last 10 messages": range(len(SCRIPT) - 10, len(SCRIPT))}
DONE_MARKS = ("reference code is", "您的编号是")  # in the last reply of a completed prescreen


# ---------------------------------------------------------------------------------- configurations


@dataclass(frozen=True)
class BenchConfig:
    name: str
    description: str
    model: str = "project"  # "project": config.yml (models/prescreen.tar.gz); "stock": bench/config_stock.yml
    rasa_workers: int = 1  # Sanic workers of one Rasa instance (more than one needs Redis)
    actions_workers: int = 1
    redis: bool = False  # Redis lock store (started by the benchmark)
    instances: int = 0  # > 0: the scale-out profile (PostgreSQL, Redis, nginx) with this many Rasa instances
    action_servers: int = 2  # in the scale-out profile
    speedups: bool = True  # Rasa through bot/rasa_ext/fast.py (the product's default) or plain bot/rasa_ext/server.py
    env: tuple[tuple[str, str], ...] = ()  # extra environment of the Rasa and action servers

    @property
    def rasa_module(self) -> str:
        return "bot.rasa_ext.fast" if self.speedups else "bot.rasa_ext.server"


CONFIGS = {
    config.name: config
    for config in [
        BenchConfig("project", "project config.yml + product defaults (1 Rasa process, SQLite, in-memory locks)"),
        BenchConfig("stock", "Rasa 3.6 stock pipeline and policies (bench/config_stock.yml), 1 Rasa process, "
                    "SQLite, in-memory locks, no speed-ups", model="stock", speedups=False),
        BenchConfig("project-plain", "project config.yml, 1 Rasa process, SQLite, without bot/rasa_ext/fast.py",
                    speedups=False),
        BenchConfig("project-2w", "project config.yml, 2 Rasa Sanic workers + Redis lock store, SQLite",
                    rasa_workers=2, redis=True),
        BenchConfig("project-2w-2a", "project config.yml, 2 Rasa workers + 2 action-server workers + Redis, SQLite",
                    rasa_workers=2, actions_workers=2, redis=True),
        BenchConfig("scale-1", "scale-out profile: nginx -> 1 Rasa instance, 2 action servers, PostgreSQL, Redis",
                    instances=1),
        BenchConfig("scale-2", "scale-out profile: nginx -> 2 Rasa instances, 2 action servers, PostgreSQL, Redis",
                    instances=2),
    ]
}
DEFAULT_CONFIGS = "project,stock"


# ---------------------------------------------------------------------------------- models


def _rasa_env() -> dict[str, str]:
    from bot.nlu.training import rasa_env

    return rasa_env()


def stock_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in [STOCK_CONFIG, PROJECT_ROOT / "domain.yml",
                 *sorted(p for d in TRAINING_DATA for p in (PROJECT_ROOT / d).rglob("*") if p.is_file())]:
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_model(kind: str, train: bool) -> Path:
    """The model of a configuration, trained first when its inputs changed (unless --no-train)."""
    if kind == "project":
        from bot.nlu.training import MODEL_PATH, model_is_current
        from bot.nlu.training import train as train_project

        if train:
            return train_project()
        if not MODEL_PATH.exists():
            raise SystemExit(f"{MODEL_PATH} is missing: run `make train` (or drop --no-train)")
        if not model_is_current():
            print(f"note: {MODEL_PATH.name} is older than config.yml/domain.yml/data (--no-train)", flush=True)
        return MODEL_PATH
    stamp = STOCK_DIR / "stock.fingerprint"
    fingerprint = stock_fingerprint()
    if STOCK_MODEL.exists() and (not train or (stamp.exists() and stamp.read_text().strip() == fingerprint)):
        return STOCK_MODEL
    if not train:
        raise SystemExit(f"{STOCK_MODEL} is missing: drop --no-train")
    print("Training the stock model (bench/config_stock.yml; DIET, ResponseSelector, TED, UnexpecTED: "
          "takes minutes)...", flush=True)
    STOCK_DIR.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    result = subprocess.run(
        [str(Path(sys.executable).with_name("rasa")), "train", "--config", str(STOCK_CONFIG), "--domain", "domain.yml",
         "--data", *TRAINING_DATA, "--out", str(STOCK_DIR), "--fixed-model-name", "stock"],
        cwd=PROJECT_ROOT, env=_rasa_env(), stdout=open(STOCK_DIR / "train.log", "wb"), stderr=subprocess.STDOUT,
    )
    if result.returncode != 0:
        raise SystemExit(f"training the stock model failed; see {STOCK_DIR / 'train.log'}")
    stamp.write_text(fingerprint + "\n")
    print(f"Trained the stock model in {time.monotonic() - started:.0f} s", flush=True)
    return STOCK_MODEL


# ---------------------------------------------------------------------------------- load


@dataclass
class Turn:
    sender: str
    index: int
    latency_s: float
    error: str | None = None
    language: str = "en"


@dataclass
class Phase:
    name: str
    turns: list[Turn] = field(default_factory=list)
    wall_s: float = 0.0
    completed: int = 0
    patients: int = 0
    sent: dict[str, list[str]] = field(default_factory=dict)  # per sender, the messages that got a reply
    completed_by_language: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(1 for turn in self.turns if turn.error)

    def summary(self) -> dict[str, Any]:
        latencies = [turn.latency_s * 1000 for turn in self.turns if not turn.error]
        kinds: dict[str, int] = defaultdict(int)
        for turn in self.turns:
            if turn.error:
                kinds[turn.error.split(":")[0]] += 1
        return {
            **percentiles(latencies),
            "turns": len(self.turns),
            "wall_s": round(self.wall_s, 2),
            "turns_per_s": round(len(self.turns) / self.wall_s, 1) if self.wall_s else 0.0,
            "errors": self.errors,
            "error_kinds": dict(kinds),
            "patients": self.patients,
            "completed_prescreens": self.completed,
            "by_language": {
                language: {
                    **percentiles([t.latency_s * 1000 for t in self.turns if not t.error and t.language == language]),
                    "completed_prescreens": self.completed_by_language.get(language, 0),
                }
                for language in sorted({turn.language for turn in self.turns})
            },
            # Whether a turn costs more as the conversation grows: the script's first and last ten messages.
            "by_position": {
                part: percentiles([t.latency_s * 1000 for t in self.turns if not t.error and t.index in indexes])
                for part, indexes in POSITIONS.items()
            },
        }


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "mean_ms": None, "max_ms": None, "count": 0}
    ordered = sorted(values)

    def pick(q: float) -> float:  # nearest-rank
        return round(ordered[min(len(ordered) - 1, max(0, int(-(-q * len(ordered) // 1)) - 1))], 1)

    return {"p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99),
            "mean_ms": round(statistics.fmean(ordered), 1), "max_ms": round(ordered[-1], 1), "count": len(ordered)}


async def _patient(session: Any, url: str, sender: str, phase: Phase, think_s: float, rng: random.Random,
                   deadline: float, timeout_s: float, language: str = "en") -> None:
    import aiohttp

    last_texts: list[str] = []
    sent = phase.sent.setdefault(sender, [])
    for index, message in enumerate(SCRIPTS[language]):
        if time.monotonic() > deadline:
            return
        if think_s > 0:
            await asyncio.sleep(think_s * rng.uniform(0.5, 1.5))
        started = time.perf_counter()
        error = None
        try:
            async with session.post(url, json={"sender": sender, "message": message, "metadata": {"lang": language}},
                                    timeout=aiohttp.ClientTimeout(total=timeout_s)) as response:
                body = await response.read()
                if response.status != 200:
                    error = f"http {response.status}"
                else:
                    replies = json.loads(body)
                    if not replies:
                        error = "empty reply"
                    else:
                        last_texts = [str(reply.get("text", "")) for reply in replies]
        except asyncio.TimeoutError:
            error = "timeout"
        except (aiohttp.ClientError, OSError, ValueError) as problem:
            error = f"connection: {type(problem).__name__}"
        phase.turns.append(Turn(sender, index, time.perf_counter() - started, error, language))
        if error is None or error == "empty reply":
            sent.append(message)
    if any(mark in text for text in last_texts for mark in DONE_MARKS):
        phase.completed += 1
        phase.completed_by_language[language] = phase.completed_by_language.get(language, 0) + 1


def language_of_patient(number: int) -> str:
    """Half of the simulated patients write Chinese (the site is in Shanghai), alternately."""
    return "zh" if number % 2 else "en"


async def _play(url: str, name: str, patients: int, concurrency: int, think_s: float, max_seconds: float,
                timeout_s: float, seed: int) -> Phase:
    import aiohttp

    host = urlsplit(url).hostname
    if host not in LOOPBACK_HOSTS:
        raise ValueError(f"the benchmark only targets loopback, not {host}")
    phase = Phase(name, patients=patients)
    rng = random.Random(seed)
    gate = asyncio.Semaphore(concurrency)
    deadline = time.monotonic() + max_seconds
    run_id = uuid.uuid4().hex[:8]

    async def one(number: int, session: Any) -> None:
        async with gate:
            await _patient(session, url, f"bench-{name}-{run_id}-{number:04d}", phase, think_s,
                           random.Random(rng.random()), deadline, timeout_s, language=language_of_patient(number))

    connector = aiohttp.TCPConnector(limit=concurrency * 2, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(one(number, session) for number in range(patients)))
        phase.wall_s = time.perf_counter() - started
    return phase


def play(url: str, name: str, patients: int, concurrency: int, think_s: float = 0.0, max_seconds: float = 300,
         timeout_s: float = 30, seed: int = 1) -> Phase:
    """Play `patients` whole prescreens against a REST webhook URL; bounded in count and time."""
    return asyncio.run(_play(url, name, patients, concurrency, think_s, max_seconds, timeout_s, seed))


# ---------------------------------------------------------------------------------- processes


def _proc_stat(pid: int) -> tuple[int, float] | None:
    """(process group, CPU seconds) of a process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return int(fields[2]), (int(fields[11]) + int(fields[12])) / ticks
    except (OSError, IndexError, ValueError):
        return None


def group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _proc_stat(int(entry))
            if stat and stat[0] == pgid:
                pids.append(int(entry))
    return pids


def peak_rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def pss_mb(pid: int) -> float:
    """Proportional set size now: shared pages (forked workers) counted once in total."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def group_cpu_s(pgid: int) -> float:
    return sum((_proc_stat(pid) or (0, 0.0))[1] for pid in group_pids(pgid))


def machine_cpu_s() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / ticks, sum(values[:8]) / ticks


def wait_until_quiet(max_wait_s: float, idle_share: float = 0.8, window_s: float = 5.0) -> float:
    """Wait (at most max_wait_s) until the machine was idle >= idle_share over a window; returns that share."""
    deadline = time.monotonic() + max_wait_s
    while True:
        busy0, total0 = machine_cpu_s()
        time.sleep(window_s)
        busy1, total1 = machine_cpu_s()
        idle = 1 - (busy1 - busy0) / max(1e-9, total1 - total0)
        if idle >= idle_share or time.monotonic() > deadline:
            return round(idle, 2)
        print(f"   waiting for a quiet machine (idle {idle:.0%})...", flush=True)


def self_cpu_s() -> float:
    times = os.times()
    return times.user + times.system


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def wait_ready(services: list[Any], started: float, timeout_s: float = 300) -> dict[str, float]:
    """Poll every 0.1 s; seconds from `started` until each service answered."""
    ready: dict[str, float] = {}
    deadline = time.monotonic() + timeout_s
    while len(ready) < len(services):
        for service in services:
            if service.log_path.as_posix() in ready:
                continue
            if _answers(service.health_url):
                ready[service.log_path.as_posix()] = time.monotonic() - started
            elif not service.running():
                raise RuntimeError(f"{service.name} stopped while starting:\n{service.log_tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError("servers did not answer in time")
        time.sleep(0.1)
    return ready


# ---------------------------------------------------------------------------------- probes and checks


def read_probes(directory: Path, clear: bool = True) -> dict[str, list[tuple[str, float, int]]]:
    """kind -> [(name, ms, pid)] from tools/bench_rasa_timing.py's files."""
    found: dict[str, list[tuple[str, float, int]]] = defaultdict(list)
    for path in sorted(directory.glob("probe-*.tsv")):
        pid = int(path.stem.split("-")[1])
        for line in path.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) == 3:
                found[parts[0]].append((parts[1], float(parts[2]), pid))
        if clear:
            path.unlink()
    return found


def probe_summary(probes: dict[str, list[tuple[str, float, int]]]) -> dict[str, Any]:
    turns = len(probes.get("turn", [])) or 1
    actions = [ms for _, ms, _ in probes.get("action", [])]
    by_action: dict[str, list[float]] = defaultdict(list)
    for name, ms, _ in probes.get("action", []):
        by_action[name].append(ms)
    slowest = sorted(by_action.items(), key=lambda item: -percentiles(item[1])["p95_ms"])[:5]
    per_turn = {kind: round(sum(ms for _, ms, _ in probes.get(kind, [])) / turns, 1)
                for kind in ("turn", "nlu", "policy", "action", "tracker")}
    return {
        "actions_ms": percentiles(actions),
        "slowest_actions_p95_ms": {name: percentiles(values)["p95_ms"] for name, values in slowest},
        "inside_rasa_ms_per_turn": per_turn,  # time (not CPU) per message, summed per kind
        "calls_per_turn": {kind: round(len(probes.get(kind, [])) / turns, 2) for kind in ("nlu", "policy", "action")},
    }


def instances_per_conversation(probes: dict[str, list[tuple[str, float, int]]], instance_of: dict[int, str]) -> dict:
    served: dict[str, list[str]] = defaultdict(list)
    for sender, _, pid in probes.get("turn", []):
        served[sender].append(instance_of.get(pid, str(pid)))
    if not served:
        return {}
    switches = sum(sum(1 for a, b in zip(seq, seq[1:], strict=False) if a != b) for seq in served.values())
    per_instance: dict[str, int] = defaultdict(int)
    for seq in served.values():
        for instance in seq:
            per_instance[instance] += 1
    return {
        "conversations": len(served),
        "served_by_2_or_more_instances": sum(1 for seq in served.values() if len(set(seq)) > 1),
        "instance_switches": switches,
        "turns_per_instance": dict(per_instance),
    }


def check_turn_order(tracker_url: str, sent: dict[str, list[str]], data_key: str = "") -> dict[str, Any]:
    """Every message in the tracker store, in the order sent, each turn ending in action_listen.

    `data_key`: the servers' PRESCREEN_DATA_KEY, to read the encrypted events (bot/leads/transcripts.py).
    """
    import sqlalchemy

    from bot.leads.crypto import FieldCipher
    from bot.leads.transcripts import unseal

    cipher = FieldCipher(data_key) if data_key else None

    engine = sqlalchemy.create_engine(tracker_url)
    problems: list[str] = []
    checked = 0
    try:
        with engine.connect() as connection:
            for sender, messages in sent.items():
                rows = connection.execute(
                    sqlalchemy.text("select type_name, action_name, data from events where sender_id = :s order by id"),
                    {"s": sender},
                ).all()
                checked += 1
                texts, open_turn, problem = [], False, ""
                for type_name, action_name, data in rows:
                    if type_name == "user":
                        if open_turn:
                            problem = f"{sender}: a message arrived before the previous turn ended"
                            break
                        texts.append(json.loads(unseal(cipher, data) or "{}").get("text"))
                        open_turn = True
                    elif type_name == "action" and action_name == "action_listen":
                        open_turn = False
                if not problem and texts != messages:
                    lost = len(messages) - len(texts)
                    problem = (f"{sender}: stored {len(texts)} messages, sent {len(messages)}"
                               + (" (reordered)" if lost == 0 else f" ({lost} lost)"))
                elif not problem and open_turn:
                    problem = f"{sender}: the last turn did not end"
                if problem:  # one per conversation
                    problems.append(problem)
    finally:
        engine.dispose()
    return {"conversations_checked": checked, "problems": len(problems), "examples": problems[:5]}


# ---------------------------------------------------------------------------------- one configuration


@dataclass
class Running:
    """What a started configuration exposes to the load and the measurements."""

    rest_url: str
    tracker_url: str
    groups: dict[str, int]  # name -> process group id (= the service's pid)
    startup_s: float
    ready_s: dict[str, float]
    stop: Any
    logs: list[Path]
    data_key: str = ""  # the servers' PRESCREEN_DATA_KEY: the stored events are encrypted with it


def start_single(config: BenchConfig, model: Path, root: Path, probe_dir: Path) -> Running:
    from bot.leads.migrate import upgrade
    from bot.ops.run import Stack
    from tools.stack import RedisServer, throwaway_settings

    redis = None
    if config.redis:
        from tools.stack import ensure_system_packages

        ensure_system_packages({"redis-server": "redis-server"})
        redis = RedisServer(root / "redis")
        redis.start()
    settings = throwaway_settings(root / "var", lock_store_url=redis.url if redis else "",
                                  sanic_workers=config.rasa_workers, actions_workers=config.actions_workers)
    upgrade(settings.database_url)
    stack = Stack(settings, model_path=model, rasa_module="tools.bench_rasa_timing")
    stack.services = {name: stack.services[name] for name in ("actions", "rasa")}
    for service in stack.services.values():
        service.env.update(PRESCREEN_BENCH_PROBE_DIR=str(probe_dir), PRESCREEN_BENCH_RASA_MODULE=config.rasa_module,
                           **dict(config.env))
    started = time.monotonic()
    for service in stack.services.values():
        service.start()

    def stop() -> None:
        stack.stop()
        if redis:
            redis.stop()

    try:
        ready = wait_ready(list(stack.services.values()), started)
    except RuntimeError:
        stop()
        raise
    return Running(
        rest_url=f"{settings.rasa_url}/webhooks/rest/webhook", tracker_url=settings.tracker_store_url,
        groups={name: service.process.pid for name, service in stack.services.items()},  # type: ignore[union-attr]
        startup_s=ready[stack.services["rasa"].log_path.as_posix()],
        ready_s={name: round(ready[s.log_path.as_posix()], 2) for name, s in stack.services.items()},
        stop=stop, logs=[service.log_path for service in stack.services.values()], data_key=settings.data_key,
    )


def start_scale(config: BenchConfig, model: Path, root: Path, probe_dir: Path) -> Running:
    from tools.scale_profile import ScaleOut

    profile = ScaleOut(instances=config.instances, actions=config.action_servers, model_path=model,
                       rasa_module="tools.bench_rasa_timing", data_key=fresh_key(), root=root,
                       extra_env={"PRESCREEN_BENCH_PROBE_DIR": str(probe_dir),
                                  "PRESCREEN_BENCH_RASA_MODULE": config.rasa_module, **dict(config.env)})
    try:
        profile.start_infrastructure()
        started = time.monotonic()
        profile.start(wait=False)
        services = profile.services()
        ready = wait_ready(services, started)
    except Exception:
        profile.stop()
        raise
    groups: dict[str, int] = {}
    ready_s: dict[str, float] = {}
    for number, stack in enumerate(profile.stacks, start=1):
        for name, service in stack.services.items():
            groups[f"{name}-{number}"] = service.process.pid  # type: ignore[union-attr]
            ready_s[f"{name}-{number}"] = round(ready[service.log_path.as_posix()], 2)
    extra = {"nginx": profile.nginx.process.pid if profile.nginx and profile.nginx.process else None,
             "redis": profile.redis.process.pid if profile.redis and profile.redis.process else None}
    groups.update({name: pid for name, pid in extra.items() if pid})
    assert profile.settings is not None
    return Running(
        rest_url=profile.rest_url, tracker_url=profile.settings.tracker_store_url, groups=groups,
        startup_s=max(value for name, value in ready_s.items() if name.startswith("rasa")), ready_s=ready_s,
        stop=profile.stop, logs=[service.log_path for service in services], data_key=profile.settings.data_key,
    )


def postgres_cpu_s() -> float:
    """CPU seconds of every postgres process (the scale-out profile's server), for CPU per turn."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm", encoding="ascii") as handle:
                    if handle.read().strip() != "postgres":
                        continue
            except OSError:
                continue
            total += (_proc_stat(int(entry)) or (0, 0.0))[1]
    return total


def measure(config: BenchConfig, args: argparse.Namespace) -> dict[str, Any]:
    model = ensure_model(config.model, train=not args.no_train)
    idle_before = wait_until_quiet(args.wait_quiet) if args.wait_quiet > 0 else None
    root = Path(tempfile.mkdtemp(prefix=f"prescreen-bench-{config.name}-"))
    probe_dir = root / "probes"
    probe_dir.mkdir()
    print(f"\n== {config.name}: {config.description}", flush=True)
    running = (start_scale if config.instances else start_single)(config, model, root, probe_dir)
    print(f"   ready in {running.startup_s:.1f} s ({', '.join(f'{k} {v}' for k, v in running.ready_s.items())})",
          flush=True)
    result: dict[str, Any] = {}
    try:
        warm = play(running.rest_url, f"{config.name}-warm", 2, 2, 0.0, args.max_seconds, args.timeout, seed=7)
        read_probes(probe_dir)
        print(f"   warm-up: {len(warm.turns)} turns, {warm.errors} errors", flush=True)

        latency = play(running.rest_url, f"{config.name}-lat", args.concurrency, args.concurrency, args.think,
                       args.max_seconds, args.timeout, seed=11)
        latency_probes = read_probes(probe_dir)
        lat = latency.summary()
        print(f"   latency ({args.concurrency} patients, ~{args.think:g} s pauses): p50 {lat['p50_ms']} ms, "
              f"p95 {lat['p95_ms']} ms, p99 {lat['p99_ms']} ms, {lat['errors']} errors", flush=True)
        for language, figures in lat["by_language"].items():
            print(f"     {language}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
                  f"{figures['completed_prescreens']} prescreens completed", flush=True)
        print("     " + ", ".join(f"{part}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms"
                                  for part, figures in lat["by_position"].items()), flush=True)

        cpu_before = {name: group_cpu_s(pgid) for name, pgid in running.groups.items()}
        client_before, pg_before, machine_before = self_cpu_s(), postgres_cpu_s(), machine_cpu_s()[0]
        throughput = play(running.rest_url, f"{config.name}-tput", args.patients, args.concurrency, 0.0,
                          args.max_seconds, args.timeout, seed=13)
        cpu = {name: group_cpu_s(pgid) - cpu_before[name] for name, pgid in running.groups.items()}
        cpu["bench client"] = self_cpu_s() - client_before
        if config.instances:
            cpu["postgres"] = postgres_cpu_s() - pg_before
        machine_busy = machine_cpu_s()[0] - machine_before
        other_cores = max(0.0, machine_busy - sum(cpu.values())) / max(1e-9, throughput.wall_s)
        tput_probes = read_probes(probe_dir)
        tput = throughput.summary()
        per_language = ", ".join(f"{k} {v['completed_prescreens']}" for k, v in tput["by_language"].items())
        print(f"   throughput ({args.patients} patients, {args.concurrency} at a time, no pauses): "
              f"{tput['turns_per_s']} turns/s, p50 {tput['p50_ms']} ms, p95 {tput['p95_ms']} ms, "
              f"{tput['errors']} errors, {tput['completed_prescreens']}/{args.patients} prescreens completed "
              f"({per_language})",
              flush=True)

        rss: dict[str, Any] = {}
        pss: dict[str, float] = {}
        instance_of: dict[int, str] = {}
        for name, pgid in running.groups.items():
            pids = group_pids(pgid)
            rss[name] = round(sum(peak_rss_mb(pid) for pid in pids), 1)
            pss[name] = round(sum(pss_mb(pid) for pid in pids), 1)
            if len(pids) > 1:
                rss[f"{name} processes"] = [round(peak_rss_mb(pid), 1) for pid in sorted(pids)]
            for pid in pids:
                instance_of[pid] = name
        sent = {**latency.sent, **throughput.sent}
        order = check_turn_order(running.tracker_url, sent, running.data_key)
        turns = max(1, len(throughput.turns))
        merged = defaultdict(list)
        for source in (latency_probes, tput_probes):
            for kind, values in source.items():
                merged[kind].extend(values)
        result = {
            "description": config.description,
            "p50_ms": lat["p50_ms"], "p95_ms": lat["p95_ms"], "p99_ms": lat["p99_ms"],
            "turns_per_s": tput["turns_per_s"],
            "errors": latency.errors + throughput.errors,
            "startup_s": round(running.startup_s, 2),
            "rss_mb": rss,  # peak resident (VmHWM), summed over a service's processes
            "pss_mb_at_end": pss,  # proportional: pages shared by forked workers counted once
            "latency_phase": lat,
            "throughput_phase": tput,
            "cpu_ms_per_turn": {name: round(seconds * 1000 / turns, 1) for name, seconds in cpu.items()},
            "probes_latency_phase": probe_summary(latency_probes),
            "probes_throughput_phase": probe_summary(tput_probes),
            # custom actions as Rasa waits for them (HTTP round trip, events), at the latency phase's load;
            # under the saturating throughput phase the wait includes Rasa's own busy event loop.
            "actions_p95_ms": percentiles([ms for _, ms, _ in latency_probes.get("action", [])])["p95_ms"],
            "actions_p95_ms_saturated": percentiles([ms for _, ms, _ in tput_probes.get("action", [])])["p95_ms"],
            "turn_order": order,
            "ready_s": running.ready_s,
            # other work on the machine during the throughput phase (other users, kernel), in cores
            "other_load_cores": round(other_cores, 2),
            "idle_before": idle_before,
            "warmup_errors": warm.errors,
        }
        if config.instances:
            result["instances"] = instances_per_conversation(merged, instance_of)
        per_process: dict[str, int] = defaultdict(int)
        for _, _, pid in tput_probes.get("turn", []):
            per_process[f"{instance_of.get(pid, '?')} pid {pid}"] += 1
        result["throughput_turns_per_process"] = dict(per_process)  # how evenly workers/instances shared the load
        print(f"   startup {result['startup_s']} s; peak RSS {rss}; PSS at end {pss}", flush=True)
        print(f"   CPU ms/turn {result['cpu_ms_per_turn']}; other load {result['other_load_cores']} cores", flush=True)
        print(f"   custom actions p95 {result['actions_p95_ms']} ms "
              f"({result['actions_p95_ms_saturated']} ms saturated);"
              f" turn order: {order['problems']} problems in "
              f"{order['conversations_checked']} conversations", flush=True)
        if "instances" in result:
            print(f"   instances: {result['instances']}", flush=True)
        if len(per_process) > 1:
            print(f"   turns per Rasa process: {dict(per_process)}", flush=True)
    finally:
        running.stop()
        target = LOG_DIR / config.name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True, exist_ok=True)
        for log in running.logs:
            if log.exists():
                shutil.copy(log, target / f"{log.parent.parent.name}-{log.name}")
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return result


# ---------------------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gb": memory_gb, "python": platform.python_version(),
            "kernel": platform.release(), "load_before": round(os.getloadavg()[0], 2)}


HEADLINE = ("p50_ms", "p95_ms", "p99_ms", "turns_per_s", "startup_s", "actions_p95_ms")


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One configuration over several rounds: the median of each headline figure, the errors summed,
    the details of the round with the median throughput, and every round's figures."""
    if len(runs) == 1:
        return {**runs[0], "repeats": 1}
    ordered = sorted(runs, key=lambda run: run["turns_per_s"])
    combined = dict(ordered[(len(ordered) - 1) // 2])
    for key in HEADLINE:
        values = [run[key] for run in runs if run.get(key) is not None]
        combined[key] = round(statistics.median(values), 2) if values else None
    combined["errors"] = sum(run["errors"] for run in runs)
    combined["repeats"] = len(runs)
    combined["rounds"] = [
        {**{key: run.get(key) for key in HEADLINE}, "errors": run["errors"],
         "other_load_cores": run["other_load_cores"], "rasa_cpu_ms_per_turn": run["cpu_ms_per_turn"].get("rasa"),
         "throughput_p95_ms": run["throughput_phase"]["p95_ms"]}
        for run in runs
    ]
    return combined


def add_ratios(results: dict[str, dict[str, Any]]) -> None:
    stock = results.get("stock")
    if not stock:
        return
    for name, result in results.items():
        if name == "stock" or not result:
            continue

        def ratio(a: Any, b: Any) -> float | None:
            return round(a / b, 2) if a and b else None

        result["ratio_vs_stock"] = {
            "turns_per_s": ratio(result["turns_per_s"], stock["turns_per_s"]),
            "p95_speedup": ratio(stock["p95_ms"], result["p95_ms"]),
            "throughput_p95_speedup": ratio(stock["throughput_phase"]["p95_ms"], result["throughput_phase"]["p95_ms"]),
            "startup_speedup": ratio(stock["startup_s"], result["startup_s"]),
            "rasa_rss": ratio(result["rss_mb"].get("rasa"), stock["rss_mb"].get("rasa")),
        }


def write_report(results: dict[str, dict[str, Any]], run: dict[str, Any], path: Path) -> None:
    existing: dict[str, Any] = {}
    if path.exists():
        try:
            existing = json.loads(path.read_text())
        except ValueError:
            existing = {}
    for name, result in results.items():
        existing[name] = {**result, "run": run}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(existing, indent=2) + "\n")


def print_table(results: dict[str, dict[str, Any]]) -> None:
    print("\n| configuration | p50 ms | p95 ms | p99 ms | turns/s | errors | start-up s | Rasa RSS MB "
          "| actions p95 ms | vs stock |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        rasa_rss = sum(v for k, v in r["rss_mb"].items() if k.startswith("rasa") and isinstance(v, (int, float)))
        ratio = r.get("ratio_vs_stock", {}).get("turns_per_s")
        print(f"| {name} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['turns_per_s']} | {r['errors']} | "
              f"{r['startup_s']} | {rasa_rss:.0f} | {r['actions_p95_ms']} | {f'{ratio}x' if ratio else '-'} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", default=DEFAULT_CONFIGS, help=f"comma-separated, of: {', '.join(CONFIGS)}")
    parser.add_argument("--patients", type=int, default=30, help="patients in the throughput phase (default 30)")
    parser.add_argument("--concurrency", type=int, default=10, help="patients at once (default 10)")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause before each message in the latency phase")
    parser.add_argument("--max-seconds", type=float, default=300, help="time limit of each phase (default 300)")
    parser.add_argument("--timeout", type=float, default=30, help="time limit of one message (default 30)")
    parser.add_argument("--out", type=Path, default=REPORT)
    parser.add_argument("--no-train", action="store_true", help="use the models as they are")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; figures are medians over them")
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                        help="before each configuration, wait up to this long for an 80%% idle machine")
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.configs.split(",") if name.strip()]
    unknown = [name for name in names if name not in CONFIGS]
    if unknown:
        parser.error(f"unknown configuration(s) {', '.join(unknown)}; known: {', '.join(CONFIGS)}")
    if not (1 <= args.patients <= 500 and 1 <= args.concurrency <= 100 and 0 < args.max_seconds <= 1800
            and 1 <= args.repeat <= 10):
        parser.error("bounded runs only: 1-500 patients, 1-100 at once, at most 1800 s per phase, 1-10 rounds")
    os.environ.setdefault("PRESCREEN_DATA_KEY", fresh_key())
    run = {"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
           "patients": args.patients, "concurrency": args.concurrency, "think_s": args.think,
           "turns_per_prescreen": len(SCRIPT)}
    print(f"Machine: {run['machine']}", flush=True)
    runs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for round_number in range(args.repeat):  # rounds interleave the configurations: drifting load hits all alike
        if args.repeat > 1:
            print(f"\n#### round {round_number + 1} of {args.repeat}", flush=True)
        for name in names:
            runs[name].append(measure(CONFIGS[name], args))
            runs[name][-1]["load_after"] = round(os.getloadavg()[0], 2)
    results = {name: combine(runs[name]) for name in names}
    add_ratios(results)
    print_table(results)
    for name, result in results.items():
        if "ratio_vs_stock" in result:
            r = result["ratio_vs_stock"]
            print(f"{name} vs stock: {r['turns_per_s']}x turns/s, p95 {r['p95_speedup']}x faster, "
                  f"start-up {r['startup_speedup']}x faster, Rasa memory {r['rasa_rss']}x")
    write_report(results, run, args.out)
    print(f"\nWritten: {args.out}")
    return 0 if all(result["errors"] == 0 for result in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
