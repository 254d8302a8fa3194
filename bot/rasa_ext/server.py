"""Start Rasa with chat-sized timeouts, request limits and a guard for an unreachable action server.

Each is a patch to Rasa's internals in bot/rasa_ext/patches/, fenced to the Rasa version it was written
for like the speed patches, and applied here with or without them (RASA_SPEEDUPS=0):
- action_timeouts.py: Rasa waits up to five minutes for the action server; calls time out after 10 s.
- request_limits.py: bodies and messages larger than the chat page accepts (bot/settings.py's
  MAX_REQUEST_BYTES, MAX_MESSAGE_CHARS) are refused with HTTP 413 at Rasa's own port.
- action_server_guard.py: while the action server is down, a message is not taken in (Rasa would run
  the turn anyway and lose its events); the patient is told plainly in the conversation's language
  (bot/rasa_ext/apology.py), and the conversation continues where it was once the action server is back.

Usage is that of `rasa`, e.g. `python -m bot.rasa_ext.server run ...`.
"""

from __future__ import annotations

import sys

from bot.rasa_ext.patches import apply_server


def main() -> None:
    apply_server()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
