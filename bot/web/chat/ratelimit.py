"""Per-conversation and per-address rate limits for the chat endpoint (in process, sliding window).

A person types a message every few seconds; a script that sends hundreds is refused with 429
before it reaches the assistant. Behind a reverse proxy with several chat-page processes, each
process counts on its own: set the limits per process, or rate-limit at the proxy as well.
"""

from __future__ import annotations

import threading
import time
from collections import deque

WINDOW_S = 60.0


class SlidingWindowLimiter:
    def __init__(self, limit: int, window_s: float = WINDOW_S, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        """Count a hit for `key`; False when it is over the limit in the current window."""
        if self.limit <= 0:
            return True
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            if len(self._hits) > self.max_keys:
                self._forget_idle(now)
            return True

    def retry_after(self, key: str, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.get(key)
            return max(1, int(hits[0] + self.window_s - now) + 1) if hits else 1

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window_s]:
            del self._hits[key]
