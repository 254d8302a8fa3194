"""The WeChat channel's figures (README "WeChat"): what the gateway adds to a turn, and how many
messages per second it carries. A measurement that prints figures, not a test.

1. Extra latency per turn against REST: the real stack (Rasa, actions, the chat page carrying the
   gateway) on free loopback ports; the same conversation opening (greeting, consent, the first
   answers) played by patients through Rasa's REST channel directly and through the stand-in
   (tools/wechat_standin.py: signed, encrypted pushes, then the replies through the customer-service
   API). A turn through WeChat is timed from the push to the last reply the stand-in received; the
   stand-in's "no more replies" wait is not counted.
2. Messages per second through the gateway alone: a canned assistant that answers at once, so the
   figure is the gateway's (checks, database, encryption, the platform's API), with `--patients`
   patients each sending `--messages` messages at once.

    python -m tools.bench_wechat                 # both; results in reports/bench_wechat.json
    python -m tools.bench_wechat --skip-rasa     # the gateway's throughput only (no model needed)
    python -m tools.bench_wechat --postgres      # the throughput on PostgreSQL as well
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
from werkzeug.serving import make_server

from bot.leads.migrate import upgrade
from bot.web.wechat.app import WEBHOOK_PATH, create_app
from tools.stack import fresh_key, throwaway_settings
from tools.wechat_standin import StandIn

APP_ID, SECRET, TOKEN = "wxbench00000000001", "bench-secret", "bench-token"
AES = "BenchKeyForSafeModeBenchKeyForSafeModeBenc1"  # 43 characters
OPENING = ["hi", "yes I agree", "40", "yes", "yes I have", "yes", "no, my scans were clear"]
REPORT = Path(__file__).resolve().parents[1] / "reports" / "bench_wechat.json"


def _wechat(settings: Any, standin: StandIn, **more: Any) -> Any:
    return dataclasses.replace(settings, wechat_token=TOKEN, wechat_app_id=APP_ID, wechat_app_secret=SECRET,
                               wechat_aes_key=AES, wechat_api_base=standin.url, wechat_id_key="bench", **more)


def _turn_via_wechat(standin: StandIn, openid: str, text: str, timeout_s: float = 60) -> float:
    """Seconds from the push to the last reply (the settle wait after it is not counted)."""
    before = len(standin.sent_to(openid))
    started = time.time()
    standin.text(openid, text).raise_for_status()
    replies = standin.wait_replies(openid, before, timeout_s=timeout_s, quiet_s=1.0)
    if not replies:
        raise RuntimeError(f"no reply to {text!r}")
    return replies[-1].at - started


def latency(patients: int) -> dict[str, Any]:
    from bot.ops.run import Stack, prepare

    root = Path(tempfile.mkdtemp(prefix="bench-wechat-"))
    standin = StandIn("", APP_ID, SECRET, TOKEN, AES).start()
    settings = _wechat(throwaway_settings(root), standin)
    prepare(settings)
    stack = Stack(settings)
    stack.start()
    standin.gateway_url = f"http://127.0.0.1:{settings.chat_port}{WEBHOOK_PATH}"
    rest_url = f"{settings.rasa_url}/webhooks/rest/webhook"
    rest: list[float] = []
    wechat: list[float] = []
    try:
        for number in range(patients + 1):  # the first pair warms up, not counted
            sender, openid = f"bench-rest-{number}", f"oBenchPatient{number:015d}"
            for text in OPENING:
                started = time.perf_counter()
                requests.post(rest_url, json={"sender": sender, "message": text, "metadata": {"lang": "en"}},
                              timeout=60).raise_for_status()
                took_rest = time.perf_counter() - started
                took_wechat = _turn_via_wechat(standin, openid, text)
                if number:
                    rest.append(took_rest)
                    wechat.append(took_wechat)
    finally:
        stack.stop()
        standin.stop()
    extra = [w - r for w, r in zip(wechat, rest, strict=True)]
    return {
        "turns": len(rest),
        "rest_median_ms": round(statistics.median(rest) * 1000),
        "wechat_median_ms": round(statistics.median(wechat) * 1000),
        "extra_median_ms": round(statistics.median(extra) * 1000),
        "extra_p90_ms": round(sorted(extra)[int(len(extra) * 0.9) - 1] * 1000) if extra else None,
    }


class InstantAssistant:
    """Rasa's REST channel answering at once, so only the gateway is measured."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                body = json.dumps([{"text": "好的，下一个问题。"}]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def throughput(patients: int, messages: int, postgres: bool = False) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="bench-wechat-gw-"))
    assistant = InstantAssistant()
    standin = StandIn("", APP_ID, SECRET, TOKEN, AES).start()
    standin.platform.quota = messages + 1
    server = None
    if postgres:  # the production database (a throwaway server from Debian's binaries)
        from tools.stack import PostgresServer

        server = PostgresServer()
        server.start()
        url = server.create_database("bench_wechat")
    else:
        url = f"sqlite:///{root / 'prescreen.db'}"
    upgrade(url)
    settings = _wechat(throwaway_settings(root), standin, database_url=url, data_key=fresh_key(),
                       rasa_host="127.0.0.1", rasa_port=assistant.port)
    app = create_app(settings)
    served = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=served.serve_forever, daemon=True).start()
    standin.gateway_url = f"http://127.0.0.1:{served.server_port}{WEBHOOK_PATH}"
    total = patients * messages

    def patient(number: int) -> None:
        for n in range(messages):
            standin.text(f"oThroughput{number:017d}", f"第{n}条").raise_for_status()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=patients) as pool:
        list(pool.map(patient, range(patients)))
    accepted = time.perf_counter() - started
    deadline = time.monotonic() + 300
    while len(standin.platform.sent) < total and time.monotonic() < deadline:
        time.sleep(0.05)
    took = time.perf_counter() - started
    app.extensions["wechat_gateway"].worker.stop()
    served.shutdown()
    standin.stop()
    if server is not None:
        app.extensions["wechat_gateway"].store.database.engine.dispose()
        server.stop()
    return {"messages": total, "answered": len(standin.platform.sent), "seconds": round(took, 2),
            "messages_per_s": round(len(standin.platform.sent) / took, 1),
            "webhook_accepts_per_s": round(total / accepted, 1), "database": "postgresql" if postgres else "sqlite",
            "worker_threads": settings.wechat_senders}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=10)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--latency-patients", type=int, default=3)
    parser.add_argument("--skip-rasa", action="store_true", help="only the gateway's throughput")
    parser.add_argument("--postgres", action="store_true", help="the throughput on PostgreSQL too")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"throughput": throughput(args.patients, args.messages)}
    print("gateway throughput (SQLite):", json.dumps(results["throughput"]), flush=True)
    if args.postgres:
        results["throughput_postgresql"] = throughput(args.patients, args.messages, postgres=True)
        print("gateway throughput (PostgreSQL):", json.dumps(results["throughput_postgresql"]), flush=True)
    if not args.skip_rasa:
        results["latency"] = latency(args.latency_patients)
        print("latency per turn:", json.dumps(results["latency"]), flush=True)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
