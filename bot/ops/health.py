"""Is every part of the assistant up? `python -m bot.ops.health` exits 0 when all are, 1 otherwise.

Checks Rasa, the action server, the chat page, the coordinator app, the Redis lock store (when
LOCK_STORE_URL is set), the lead database and the tracker store, from the same settings as `make run`
(`--assistant-only` leaves out the two web apps, for a host that runs only the assistant). It exists because some
failures are silent: with Redis down Rasa answers every message with HTTP 200 and an empty reply,
and with the tracker database down it keeps conversations in memory only; both only log an error.

    python -m bot.ops.health                        # one line per check; exit 0 or 1
    python -m bot.ops.health --json
    python -m bot.ops.health --rasa http://10.0.0.5:5005 --rasa http://10.0.0.6:5005   # several instances
    python -m bot.ops.health --serve 8081           # GET /healthz: 200 or 503 with the checks as JSON

Point a load balancer or monitor at `--serve` (bind it to an internal address, --host).
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bot.settings import Settings, load_settings

TIMEOUT_S = 2.0


@dataclass
class Check:
    name: str
    target: str
    ok: bool
    detail: str
    ms: float


def _timed(name: str, target: str, probe: Callable[[], str]) -> Check:
    started = time.perf_counter()
    try:
        detail, ok = probe(), True
    except Exception as error:  # noqa: BLE001 - any failure is the answer
        detail, ok = f"{type(error).__name__}: {error}".strip(), False
    return Check(name, _redact(target), ok, detail[:300], round((time.perf_counter() - started) * 1000, 1))


def _redact(url: str) -> str:
    """A URL without its password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user + ':***' if ':' in credentials else user}@{host}"
    return url


def http_check(url: str, timeout: float) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
        return f"HTTP {response.status}"


def redis_check(url: str, timeout: float) -> str:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        if not client.ping():
            raise RuntimeError("no PONG")
        return "PONG"
    finally:
        client.close()


def database_check(url: str, timeout: float) -> str:
    import sqlalchemy

    connect_args: dict[str, object] = {}
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:" and not Path(path).exists():
            raise FileNotFoundError(f"{path} does not exist")
        connect_args = {"timeout": timeout}
    elif url.startswith("postgresql"):
        connect_args = {"connect_timeout": max(1, int(timeout))}
    engine = sqlalchemy.create_engine(url, connect_args=connect_args, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text("select 1"))
        return "select 1"
    finally:
        engine.dispose()


def _local_url(host: str, port: int) -> str:
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '', '::') else host}:{port}"


def run_checks(settings: Settings, rasa_urls: list[str] | None = None, actions_urls: list[str] | None = None,
               timeout: float = TIMEOUT_S, web_urls: dict[str, list[str]] | None = None) -> list[Check]:
    """Every part of the stack. `web_urls`: {"chat page": [...], "coordinator app": [...]} base URLs; None: the
    settings' own; {}: the assistant's parts only (a host that runs no web app)."""
    rasa_urls = rasa_urls or [settings.rasa_url]
    actions_urls = actions_urls or [settings.action_endpoint_url.rsplit("/", 1)[0]]
    if web_urls is None:
        web_urls = {"chat page": [_local_url(settings.chat_host, settings.chat_port)],
                    "coordinator app": [_local_url(settings.coordinator_host, settings.coordinator_port)]}
    checks = [_timed("rasa", url, functools.partial(http_check, url.rstrip("/") + "/", timeout)) for url in rasa_urls]
    checks += [_timed("actions", url, functools.partial(http_check, url.rstrip("/") + "/health", timeout))
               for url in actions_urls]
    # The chat page's /healthz and the coordinator app's sign-in page: both answer without a session.
    for name, path in (("chat page", "/healthz"), ("coordinator app", "/login")):
        checks += [_timed(name, url, functools.partial(http_check, url.rstrip("/") + path, timeout))
                   for url in web_urls.get(name, [])]
    if settings.lock_store_url and not settings.lock_store_url.startswith("memory"):
        checks.append(_timed("redis lock store", settings.lock_store_url,
                             lambda: redis_check(settings.lock_store_url, timeout)))
    checks.append(_timed("lead database", settings.database_url,
                         lambda: database_check(settings.database_url, timeout)))
    checks.append(_timed("tracker store", settings.tracker_store_url,
                         lambda: database_check(settings.tracker_store_url, timeout)))
    return checks


def report(checks: list[Check]) -> str:
    return "\n".join(f"{'ok  ' if c.ok else 'FAIL'} {c.name:<17} {c.target}  {c.detail} ({c.ms:.0f} ms)"
                     for c in checks)


def serve(host: str, port: int, checker: Callable[[], list[Check]], cache_s: float = 1.0) -> None:
    """GET /healthz: 200 when every check passed, else 503; results cached for `cache_s`."""
    lock = threading.Lock()
    cached: dict[str, object] = {"at": 0.0, "checks": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            if self.path.split("?")[0] != "/healthz":
                self.send_error(404)
                return
            with lock:
                if time.monotonic() - float(cached["at"]) > cache_s:  # type: ignore[arg-type]
                    cached["checks"], cached["at"] = checker(), time.monotonic()
                checks: list[Check] = cached["checks"]  # type: ignore[assignment]
            healthy = all(c.ok for c in checks)
            body = json.dumps({"ok": healthy, "checks": [asdict(c) for c in checks]}).encode()
            self.send_response(200 if healthy else 503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    print(f"health: http://{host}:{port}/healthz", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.ops.health", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rasa", action="append", help="Rasa base URL (repeat for several instances)")
    parser.add_argument("--actions", action="append", help="action server base URL (repeat for several)")
    parser.add_argument("--chat", action="append", help="chat page base URL (repeat for several)")
    parser.add_argument("--coordinator", action="append", help="coordinator app base URL (repeat for several)")
    parser.add_argument("--assistant-only", action="store_true",
                        help="check Rasa, actions, Redis and the databases only (a host without the web apps)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds per check (default 2)")
    parser.add_argument("--json", action="store_true", help="print the checks as JSON")
    parser.add_argument("--serve", type=int, metavar="PORT", help="serve GET /healthz on this port instead")
    parser.add_argument("--host", default="127.0.0.1", help="address for --serve (default 127.0.0.1)")
    args = parser.parse_args(argv)
    settings = load_settings()

    web_urls: dict[str, list[str]] | None = None
    if args.assistant_only:
        web_urls = {}
    elif args.chat or args.coordinator:
        web_urls = {"chat page": args.chat or [], "coordinator app": args.coordinator or []}

    def checker() -> list[Check]:
        return run_checks(settings, args.rasa, args.actions, args.timeout, web_urls)

    if args.serve:
        serve(args.host, args.serve, checker)
        return 0
    checks = checker()
    healthy = all(c.ok for c in checks)
    if args.json:
        print(json.dumps({"ok": healthy, "checks": [asdict(c) for c in checks]}, indent=2))
    else:
        print(report(checks))
        print("healthy" if healthy else "UNHEALTHY: " + ", ".join(c.name for c in checks if not c.ok))
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
