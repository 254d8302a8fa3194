"""`make bench-coordinator`: the coordinator app at 100,000 screenings, on SQLite and on PostgreSQL.

Seeds a lead database from simulated patients (real answers in English and Chinese scored by the
trial's engine; 37.5 % leave contact details, more than the 30 % a public hospital site sees; statuses, contact
attempts, call-backs and booked visits as a pipeline some months old has them), then times, through
the app itself (Flask's test client, a signed-in coordinator, templates rendered):

- the lead list: "needs action first" (the default), every other sort both ways, the overdue and
  the needs-action-now filters, a reference-code search, a phone search, a page deep in the list;
- one lead's page, the metrics page;
- the CSV export: its first byte and the whole file;
- the notifier's digest query.

Each figure is p50 / p95 over `--repeat` requests after one warm-up. Targets (issue 23): p95 ≤ 200 ms
for the list (any sort and filter), a lead's page and the metrics page; the export's first row
within 1 s. The results are printed and written to reports/bench-coordinator.json.

    python -m tools.bench_coordinator                      # 100,000 leads, SQLite and PostgreSQL
    python -m tools.bench_coordinator --leads 5000 --databases sqlite
    python -m tools.bench_coordinator --sqlite-file /tmp/leads-100k.db   # seed once, reuse later

Everything stays on this machine: a temporary SQLite file and a throwaway PostgreSQL server.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import re
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import func, insert, select, text

from bot.leads.crypto import FieldCipher, new_key
from bot.leads.database import Database
from bot.leads.migrate import upgrade
from bot.leads.models import (
    Answer,
    Contact,
    ContactAttempt,
    ConversationStart,
    CriterionResultRow,
    ReviewStatus,
    Screening,
    StatusChange,
)
from bot.leads.pipeline import OPEN_STATUSES, REACHED_OUTCOMES, SCREEN_FAILURE_REASONS
from bot.leads.reference_codes import ALPHABET, LENGTH, PREFIX
from bot.settings import PROJECT_ROOT, get_settings
from bot.trial.criteria import load_criteria
from bot.trial.eligibility import evaluate
from tools.stack import PostgresServer

REPORT = PROJECT_ROOT / "reports" / "bench-coordinator.json"
TARGET_MS = 200.0
TARGET_FIRST_ROW_S = 1.0
CONTACT_SHARE = 0.375  # of every screening: contact details left (the copy held 30 %; more is harder)
BATCH = 2000
SECRET = "bench-coordinator-secret-key-0123456789abcdef"
PASSWORD = "bench coordinator password"

CRITERIA = load_criteria()
WORDS = {
    "en": {"yes": ["Yes", "yes, that's right", "I think so, yes"], "no": ["No", "no never", "Not that I know"],
           "unsure": ["I'm not sure", "don't know"]},
    "zh": {"yes": ["是", "是的", "对，有的"], "no": ["不是", "没有", "没有过"], "unsure": ["不清楚", "不确定"]},
}
SURNAMES_ZH = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN_ZH = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰"
NAMES_EN = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
            "Wei", "Li", "Ming", "Hui", "Anna", "Peter", "Susan", "Thomas", "Helen", "Daniel"]
SURNAMES_EN = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wang", "Chen",
               "Zhang", "Liu", "Wilson", "Taylor", "Anderson", "Thomas", "Moore", "Martin", "Lee", "Walker"]


# ------------------------------------------------------------------------------------------ seeding


@dataclasses.dataclass(frozen=True)
class Template:
    """One simulated patient's prescreen, scored by the real engine; copied with other people's details."""

    language: str
    provisional: str
    answers: list[tuple[str, str, str, str]]  # check id, text, value, how
    results: list[tuple[int, str, str, str, str, str | None, str]]  # position, check, protocol, label, verdict…


def simulated_patients(rng: random.Random, count: int = 400) -> list[Template]:
    """Patients answering as people do: mostly yes/no in line with the study, some unsure, some ruled out."""
    templates = []
    for n in range(count):
        language = "zh" if n % 2 else "en"
        answers: dict[str, Any] = {}
        for check in CRITERIA.checks:
            if check.answer == "yes_no":
                roll = rng.random()
                meets = "yes" if check.meets == "yes" else "no"
                other = "no" if meets == "yes" else "yes"
                answers[check.id] = meets if roll < 0.9 else ("unsure" if roll < 0.95 else other)
            else:
                answers[check.id] = rng.choice([45, 52, 60, 66, 71, 78, 84])
        result = evaluate(CRITERIA, answers)
        asked = {r.check_id for r in result.results}
        logged = []
        for check_id, value in answers.items():
            if check_id not in asked:
                continue
            if check_id == "age":
                said = f"我今年{value}岁" if language == "zh" else f"I am {value}"
                logged.append((check_id, said, str(value), f"read age {value}"))
            else:
                logged.append((check_id, rng.choice(WORDS[language][str(value)]), str(value), "typed"))
        templates.append(Template(
            language, result.status.value, logged,
            [(i, r.check_id, r.protocol, r.label, r.verdict.value, r.value, r.reason)
             for i, r in enumerate(result.results)],
        ))
    return templates


def person(rng: random.Random, language: str) -> tuple[str, str, str | None, str | None]:
    """A name, a mainland mobile number, a WeChat ID or an e-mail address."""
    if language == "zh":
        name = rng.choice(SURNAMES_ZH) + "".join(rng.choice(GIVEN_ZH) for _ in range(rng.choice((1, 2))))
    else:
        name = f"{rng.choice(NAMES_EN)} {rng.choice(SURNAMES_EN)}"
    phone = "+861" + str(rng.choice((3, 5, 8))) + "".join(rng.choice(string.digits) for _ in range(9))
    wechat = ("wx_" + "".join(rng.choice(string.ascii_lowercase) for _ in range(8))) if rng.random() < 0.5 else None
    email = None if wechat else f"patient{rng.randrange(10**8)}@example.cn"
    return name, phone, wechat, email


def pipeline_for(rng: random.Random, completed: datetime, now: datetime, provisional: str,
                 has_contact: bool) -> dict[str, Any]:
    """Where a lead stands: status, attempts, call-back, visit, failure reason, history."""
    age_days = (now - completed).total_seconds() / 86400
    out: dict[str, Any] = {"status": ReviewStatus.NEW.value, "attempts": [], "callback": None, "visit": None,
                           "reason": None, "failed": "", "history": []}
    if not has_contact:
        return out  # nothing to do but review: such leads stay "new"
    if age_days < 1.5 and rng.random() < 0.7:
        return out  # new, within or just past its deadline, not tried yet
    if age_days < 30 and rng.random() < 0.15:
        return out  # overdue: nobody tried
    tries = rng.choice((1, 1, 1, 2, 2, 3))
    moment = completed + timedelta(hours=rng.uniform(1, 40))
    reached = False
    for _ in range(tries):
        if moment > now:
            break
        outcome = rng.choice(("reached", "reached", "no_answer", "left_message", "no_answer", "declined"))
        out["attempts"].append((moment, rng.choice(("phone", "phone", "wechat", "sms")), outcome))
        reached = reached or outcome in REACHED_OUTCOMES
        if outcome == "declined":
            break
        moment += timedelta(hours=rng.uniform(4, 72))
    last = out["attempts"][-1] if out["attempts"] else None
    if last is None:
        return out
    if last[2] == "declined":
        out["status"] = ReviewStatus.NOT_INTERESTED.value
    elif not reached:
        out["status"] = ReviewStatus.UNREACHABLE.value if len(out["attempts"]) >= 3 else ReviewStatus.NEW.value
        if out["status"] == ReviewStatus.NEW.value and rng.random() < 0.5:
            out["callback"] = last[0] + timedelta(hours=rng.uniform(2, 96))
    else:
        roll = rng.random()
        path = [ReviewStatus.CONTACTED.value]
        if roll < 0.35:
            path.append(ReviewStatus.CONFIRMED.value)
            if rng.random() < 0.6:
                path.append(ReviewStatus.VISIT_BOOKED.value)
                out["visit"] = last[0] + timedelta(days=rng.uniform(3, 21))
                if out["visit"] < now and rng.random() < 0.6:
                    path.append(rng.choice((ReviewStatus.CONSENTED.value, ReviewStatus.ENROLLED.value,
                                            ReviewStatus.REJECTED.value)))
        elif roll < 0.6:
            path.append(ReviewStatus.REJECTED.value)
        elif roll < 0.7:
            path.append(ReviewStatus.WITHDRAWN.value)
        elif rng.random() < 0.5:
            out["callback"] = last[0] + timedelta(hours=rng.uniform(2, 240))
        out["status"] = path[-1]
        if out["status"] == ReviewStatus.REJECTED.value:
            out["reason"] = rng.choice(SCREEN_FAILURE_REASONS)
            out["failed"] = rng.choice(("", "ctdna_positive", "ecog", "ctdna_positive,liver_function"))
        step = last[0]
        for status in path:
            step = step + timedelta(hours=rng.uniform(1, 48))
            out["history"].append((status, min(step, now)))
    if out["status"] not in OPEN_STATUSES:
        out["callback"] = None
    return out


def reference_codes(rng: random.Random, count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(f"{PREFIX}-" + "".join(rng.choice(ALPHABET) for _ in range(LENGTH)))
    return sorted(codes, key=lambda _c: rng.random())


def seed(database: Database, cipher: FieldCipher, leads: int, now: datetime, seed_value: int = 23) -> dict[str, Any]:
    """`leads` completed screenings over about two years (more recent ones denser), with their children."""
    rng = random.Random(seed_value)
    templates = simulated_patients(rng)
    codes = reference_codes(rng, leads)
    span_days = 730
    samples: dict[str, Any] = {"codes": [], "phones": [], "contact_ids": []}
    engine = database.engine
    with engine.begin() as connection:
        connection.execute(insert(ConversationStart), [
            {"started_at": now - timedelta(days=rng.uniform(0, span_days))} for _ in range(int(leads * 1.4))
        ])
    for start in range(0, leads, BATCH):
        rows: dict[str, list[dict[str, Any]]] = {k: [] for k in
                                                 ("s", "a", "r", "c", "at", "sc")}
        for n in range(start, min(leads, start + BATCH)):
            lead_id = n + 1
            template = rng.choice(templates)
            completed = now - timedelta(days=span_days * (rng.random() ** 1.6), minutes=rng.uniform(0, 60))
            started = completed - timedelta(minutes=rng.uniform(3, 15))
            has_contact = rng.random() < CONTACT_SHARE
            pipe = pipeline_for(rng, completed, now, template.provisional, has_contact)
            rows["s"].append({
                "id": lead_id, "conversation_id": f"bench-{lead_id:07d}", "reference_code": codes[n],
                "started_at": started, "consented_at": started, "consent_version": "consent-2026-11",
                "criteria_version": CRITERIA.version, "completed_at": completed,
                "provisional_status": template.provisional, "review_status": pipe["status"],
                "language": template.language,
                "text_versions": json.dumps({template.language: f"texts-{template.language}-bench"}),
                "callback_at": pipe["callback"], "visit_at": pipe["visit"],
                "screen_failure_reason": pipe["reason"], "failed_criteria": pipe["failed"],
                "updated_at": completed,
            })
            rows["a"] += [{"screening_id": lead_id, "check_id": c, "patient_text": t, "value": v, "read_how": h,
                           "answered_at": started} for c, t, v, h in template.answers]
            rows["r"] += [{"screening_id": lead_id, "position": p, "check_id": c, "protocol": pr, "label": la,
                           "verdict": ve, "value": va, "reason": re_} for p, c, pr, la, ve, va, re_ in template.results]
            if has_contact:
                name, phone, wechat, email = person(rng, template.language)
                rows["c"].append({
                    "screening_id": lead_id, "name_encrypted": cipher.encrypt(name),
                    "phone_encrypted": cipher.encrypt(phone), "email_encrypted": cipher.encrypt(email),
                    "preferred_time_encrypted": cipher.encrypt("上午" if template.language == "zh" else "mornings"),
                    "wechat_encrypted": cipher.encrypt(wechat), "phone_index": cipher.blind_index(phone),
                    "email_index": cipher.blind_index(email), "wechat_index": cipher.blind_index(wechat),
                    "created_at": completed,
                })
                if len(samples["phones"]) < 50 and rng.random() < 0.05:
                    samples["phones"].append(phone)
                if len(samples["contact_ids"]) < 200:
                    samples["contact_ids"].append(lead_id)
            if len(samples["codes"]) < 50 and rng.random() < 0.01:
                samples["codes"].append(codes[n])
            rows["at"] += [{"screening_id": lead_id, "at": at, "channel": ch, "outcome": out, "note": "",
                            "actor": "coordinator:bench", "recorded_at": at} for at, ch, out in pipe["attempts"]]
            rows["sc"] += [{"screening_id": lead_id, "status": st, "note": "", "actor": "coordinator:bench",
                            "changed_at": at, "visit_at": pipe["visit"] if st == "visit_booked" else None,
                            "screen_failure_reason": pipe["reason"] if st == "rejected" else None,
                            "failed_criteria": pipe["failed"] if st == "rejected" else "", "automatic": False}
                           for st, at in pipe["history"]]
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SET LOCAL statement_timeout = 0"))
            connection.execute(insert(Screening), rows["s"])
            for table, key in ((Answer, "a"), (CriterionResultRow, "r"), (Contact, "c"), (ContactAttempt, "at"),
                               (StatusChange, "sc")):
                if rows[key]:
                    connection.execute(insert(table), rows[key])
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("SELECT setval(pg_get_serial_sequence('screenings', 'id'), "
                                    "(SELECT max(id) FROM screenings))"))
    return samples


def after_seed(database: Database, cipher: FieldCipher) -> None:
    """What the store keeps in step with the rows it writes (stored facts, name sort groups), brought up to
    date after the bulk insert, as after an import; nothing to do for a store without them (before issue 23)."""
    try:
        from bot.leads.lead_facts import refresh_all
    except ImportError:
        return
    with database.transaction() as session:
        if database.engine.dialect.name == "postgresql":
            session.execute(text("SET LOCAL statement_timeout = 0"))  # every row at once: not a request's query
        refresh_all(session, cipher)


def analyze(database: Database) -> None:
    """The state of a database in use after a bulk load: the planner's statistics gathered once every row is
    written (gathered before after_seed, they described the name groups as all NULL, and SQLite then read
    every contact instead of one group's through the index); on PostgreSQL also the visibility map that
    autovacuum sets after many inserts (PostgreSQL 13 and later), without which a count read from an
    index alone still visits every table row (the list pages took 75-150 ms instead of 55-70 ms)."""
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SET statement_timeout = 0"))  # the app's 5 s limit is not for bulk work
            connection.execute(text("VACUUM ANALYZE"))
        return
    with database.engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def counts(database: Database) -> dict[str, int]:
    with database.session() as session:
        screenings = session.execute(select(func.count(Screening.id))).scalar_one()
        contacts = session.execute(select(func.count(Contact.screening_id))).scalar_one()
        attempts = session.execute(select(func.count(ContactAttempt.id))).scalar_one()
        answers = session.execute(select(func.count(Answer.id))).scalar_one()
    return {"screenings": screenings, "contacts": contacts, "attempts": attempts, "answers": answers}


def samples_from(database: Database, cipher: FieldCipher) -> dict[str, Any]:
    """Search terms and lead ids taken from an existing database (when a seeded file is reused)."""
    with database.session() as session:
        codes = list(session.execute(select(Screening.reference_code).order_by(Screening.id).limit(5000)).scalars())
        contacts = session.execute(select(Contact.screening_id, Contact.phone_encrypted)
                                   .order_by(Contact.screening_id).limit(200)).all()
    return {"codes": codes[::100], "phones": [cipher.decrypt(p) for _, p in contacts[:50]],
            "contact_ids": [i for i, _ in contacts]}


# ------------------------------------------------------------------------------------------ timing


def csrf_token(client: Any, path: str) -> str:
    """The form token a page carries (the app refuses a POST without it)."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match, f"no form token on {path}"
    return match.group(1)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered) + 0.5)) - 1))]


SKIP: re.Pattern[str] | None = None  # --skip
ONLY: re.Pattern[str] | None = None  # --only


def timed_as(label: str, run: Callable[[int], Any], repeat: int) -> dict[str, Any]:
    """`timed`, unless --skip (or --only) leaves this figure out."""
    if SKIP is not None and SKIP.search(label) or ONLY is not None and not ONLY.search(label):
        return {"skipped": True}
    return timed(run, repeat)


def timed(run: Callable[[int], Any], repeat: int) -> dict[str, float]:
    """Wall-clock p50/p95 and this process's CPU time per request (the app, and SQLite, run in this process:
    on a busy shared machine the CPU time is the steadier figure; PostgreSQL's own CPU is not in it)."""
    run(0)  # warm-up: templates compiled, caches filled
    times, cpu = [], []
    for n in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        run(n + 1)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 0.95), 1),
            "max_ms": round(max(times), 1), "cpu_p50_ms": round(statistics.median(cpu), 1), "n": repeat}


def measure(url: str, key: str, samples: dict[str, Any], repeat: int, export_repeat: int,
            now: datetime) -> dict[str, Any]:
    from bot.leads.accounts import Accounts
    from bot.notify.config import notify_config
    from bot.notify.outbox import digest_leads
    from bot.web.coordinator import create_app

    settings = dataclasses.replace(get_settings(), database_url=url, tracker_store_url=url if url.startswith(
        "postgresql") else "sqlite:///" + tempfile.mktemp(suffix=".db"), data_key=key, old_data_keys=(),
        coordinator_secret_key=SECRET)
    app = create_app(settings, url)
    app.config.update(LOGIN_FAILURE_DELAY=0)
    services = app.extensions["coordinator"]
    accounts = Accounts(services.store.database, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
                        default_language="en")
    app.extensions["coordinator"] = dataclasses.replace(services, accounts=accounts)
    try:
        accounts.add("bench", PASSWORD, language="en")
    except Exception:  # noqa: BLE001 - a reused database already has the account
        accounts.add("bench", PASSWORD, reset=True, language="en")
    client = app.test_client()
    response = client.post("/login", data={"username": "bench", "password": PASSWORD,
                                           "csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 302, "signing in failed"

    def page(path: str, check: str | None = None) -> Callable[[int], Any]:
        def run(_n: int) -> None:
            response = client.get(path)
            assert response.status_code == 200, f"{path}: {response.status_code}"
            if check is not None:
                assert check in response.get_data(as_text=True), f"{path}: {check!r} not on the page"
        return run

    codes, phones, ids = samples["codes"], samples["phones"], samples["contact_ids"]
    results: dict[str, Any] = {}
    lists = {
        "list: needs action first (default)": "/leads",
        "list: needs action first, reversed": "/leads?sort=needs_action&dir=desc",
        "list: completed, newest first": "/leads?sort=completed&dir=desc",
        "list: completed, oldest first": "/leads?sort=completed&dir=asc",
        "list: name A-Z": "/leads?sort=name&dir=asc",
        "list: name Z-A": "/leads?sort=name&dir=desc",
        "list: reference": "/leads?sort=reference&dir=asc",
        "list: bot's assessment": "/leads?sort=provisional&dir=asc",
        "list: review status": "/leads?sort=review&dir=desc",
        "list: overdue": "/leads?need=overdue",
        "list: needs action now": "/leads?need=action",
        "list: overdue, by date": "/leads?need=overdue&sort=completed&dir=desc",
        "list: new leads, needs action first": "/leads?review=new",
        "list: page 200, needs action first": "/leads?page=200",
        "list: page 200, name A-Z": "/leads?sort=name&dir=asc&page=200",
        "list: new leads, name A-Z": "/leads?review=new&sort=name&dir=asc",
        "list: overdue, name A-Z": "/leads?need=overdue&sort=name&dir=asc",
        "list: completed last month": f"/leads?from={(now - timedelta(days=30)).date()}&to={now.date()}",
    }
    for label, path in lists.items():
        results[label] = timed_as(label, page(path), repeat)
        print(f"  {label:45s} {results[label]}", flush=True)
    results["list: reference-code search"] = timed_as("list: reference-code search",
        lambda n: page(f"/leads?q={codes[n % len(codes)]}", codes[n % len(codes)])(n), repeat)
    results["list: phone search"] = timed_as("list: phone search",
        lambda n: page(f"/leads?q={phones[n % len(phones)].replace('+86', '')}")(n), repeat)
    results["list: part of a name search"] = timed_as("list: part of a name search", page("/leads?q=" + "王"),
                                                      max(3, repeat // 3))
    for label in ("list: reference-code search", "list: phone search", "list: part of a name search"):
        print(f"  {label:45s} {results[label]}", flush=True)
    results["lead page"] = timed_as("lead page", lambda n: page(f"/leads/{ids[n % len(ids)]}")(n), repeat)
    print(f"  {'lead page':45s} {results['lead page']}", flush=True)
    results["metrics page"] = timed_as("metrics page", page("/insights/metrics"), repeat)
    print(f"  {'metrics page':45s} {results['metrics page']}", flush=True)
    results["agreement page"] = timed_as("agreement page", page("/insights/agreement"), max(3, repeat // 3))
    print(f"  {'agreement page':45s} {results['agreement page']}", flush=True)

    if export_repeat > 0:
        results.update(measure_export(client, csrf_token(client, "/leads"), export_repeat))
    config = dataclasses.replace(notify_config(settings), deadline_hours=settings.contact_deadline_hours)
    database = services.store.database
    results["notifier digest"] = timed_as("notifier digest",
        lambda _n: digest_leads(database, config, now - timedelta(days=1), now), repeat)
    print(f"  {'notifier digest':45s} {results['notifier digest']}", flush=True)
    database.engine.dispose()
    return results


def measure_export(client: Any, token: str, export_repeat: int) -> dict[str, Any]:
    """The CSV export of every lead: time to the header and first row, and to the whole file."""
    results: dict[str, Any] = {}
    first: list[float] = []
    whole: list[float] = []
    rows = 0
    for _ in range(export_repeat):
        started = time.perf_counter()
        response = client.post("/export/leads.csv", data={"csrf_token": token}, buffered=False)
        assert response.status_code == 200, f"export: {response.status_code}"
        chunks = iter(response.response)
        got = b""
        for chunk in chunks:  # until the header and the first row are in
            got += chunk
            if got.count(b"\n") >= 2:
                break
        first.append(time.perf_counter() - started)
        size = len(got)
        lines = got.count(b"\n")
        for chunk in chunks:
            size += len(chunk)
            lines += chunk.count(b"\n")
        response.close()
        whole.append(time.perf_counter() - started)
        rows = lines - 1
    results["export: first row"] = {"p50_s": round(statistics.median(first), 2), "max_s": round(max(first), 2),
                                    "n": export_repeat}
    results["export: whole file"] = {"p50_s": round(statistics.median(whole), 2), "max_s": round(max(whole), 2),
                                     "rows": rows, "n": export_repeat}
    print(f"  {'export: first row':45s} {results['export: first row']}", flush=True)
    print(f"  {'export: whole file':45s} {results['export: whole file']}", flush=True)
    return results


def peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def verdict(results: dict[str, Any]) -> list[str]:
    """What misses the targets."""
    misses = []
    for label, figure in results.items():
        if "p95_ms" in figure and (label.startswith("list:") and "part of a name" not in label
                                   or label in ("lead page", "metrics page")) and figure["p95_ms"] > TARGET_MS:
            misses.append(f"{label}: p95 {figure['p95_ms']} ms > {TARGET_MS:.0f} ms")
    first = results.get("export: first row", {})
    if first.get("max_s", 0) > TARGET_FIRST_ROW_S:
        misses.append(f"export first row {first['max_s']} s > {TARGET_FIRST_ROW_S:.0f} s")
    return misses


@dataclasses.dataclass
class Target:
    name: str
    url: str
    fresh: bool  # seeded now (else a reused file)


def run_one(target: Target, key: str, cipher: FieldCipher, leads: int, args: argparse.Namespace,
            now: datetime) -> dict[str, Any]:
    print(f"\n== {target.name}: {target.url.split('@')[-1]}", flush=True)
    started = time.perf_counter()
    upgrade(target.url)
    database = Database(target.url)
    if target.fresh:
        samples = seed(database, cipher, leads, now)
        seeded_s = round(time.perf_counter() - started, 1)
        print(f"  seeded in {seeded_s} s", flush=True)
    else:
        samples, seeded_s = samples_from(database, cipher), 0.0
    after_seed(database, cipher)
    analyze(database)
    held = counts(database)
    print(f"  holds {held}", flush=True)
    database.engine.dispose()
    results = measure(target.url, key, samples, args.repeat, args.export_repeat, now)
    return {"database": target.name, "seed_s": seeded_s, "holds": held, "results": results,
            "misses": verdict(results)}


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=20, help="requests per figure (after one warm-up)")
    parser.add_argument("--export-repeat", type=int, default=2, help="CSV exports timed (0: none; the code "
                        "before issue 23 built the whole file in memory, gigabytes at 100,000 leads)")
    parser.add_argument("--sqlite-file", type=Path, help="seed this file once and reuse it on later runs "
                                                         "(its key is kept beside it, in <file>.key)")
    parser.add_argument("--skip", default="", help="leave out the figures whose name matches this pattern")
    parser.add_argument("--only", default="", help="time only the figures whose name matches this pattern "
                        "(the export too only if it matches \"export\")")
    parser.add_argument("--label", default="", help="a name for this run in the report (e.g. before, after)")
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    global SKIP, ONLY
    SKIP = re.compile(args.skip) if args.skip else None
    ONLY = re.compile(args.only) if args.only else None
    if ONLY is not None and not ONLY.search("export"):
        args.export_repeat = 0
    # One fixed moment for seeding and measuring: the figures do not depend on the hour they are taken.
    now = datetime.now(timezone.utc).replace(microsecond=0)
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-coordinator-") as tmp:
        for name in [d.strip() for d in args.databases.split(",") if d.strip()]:
            if name == "sqlite":
                path = args.sqlite_file or Path(tmp) / "leads.db"
                key_file = path.with_name(path.name + ".key")
                fresh = not path.exists()
                if fresh:
                    key_file.write_text(new_key())
                key = key_file.read_text().strip()
                runs.append(run_one(Target("sqlite", f"sqlite:///{path}", fresh), key, FieldCipher(key),
                                    args.leads, args, now))
            elif name == "postgresql":
                key = new_key()
                server = PostgresServer()
                server.start()
                try:
                    url = server.create_database("bench_coordinator")
                    runs.append(run_one(Target("postgresql", url, True), key, FieldCipher(key), args.leads, args, now))
                finally:
                    server.stop()
            else:
                parser.error(f"unknown database {name!r} (sqlite, postgresql)")
    report = {"label": args.label, "date": now.date().isoformat(), "commit": commit(), "leads": args.leads,
              "machine": {"cpus": _cpus(), "load_average_1m_at_end": round(os.getloadavg()[0], 1)},
              "peak_rss_mb": peak_rss_mb(), "runs": runs}
    args.report.parent.mkdir(parents=True, exist_ok=True)
    earlier = json.loads(args.report.read_text()) if args.report.exists() else {}
    earlier[args.label or "latest"] = report
    args.report.write_text(json.dumps(earlier, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {args.report}")
    for run in runs:
        print(f"{run['database']}: " + ("all targets met" if not run["misses"] else "; ".join(run["misses"])))
    return 0


def _cpus() -> int:
    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    sys.exit(main())
