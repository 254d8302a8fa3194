"""The gateway runs in the web tier on a maintained Python, where Rasa is not installed: loading it
(and the chat page that mounts it, and its command) brings in no Rasa, rasa-sdk, Sanic or TensorFlow."""

from __future__ import annotations

import subprocess
import sys

from tests.test_layers import ROOT


def test_the_gateway_loads_without_rasa() -> None:
    heavy = "{'rasa', 'rasa_sdk', 'sanic', 'tensorflow', 'spacy'}"
    code = ("import sys, bot.web.wechat.app, bot.web.wechat.__main__, bot.web.chat.app, bot.cli.wechat; "
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {heavy}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            check=True)
    assert result.stdout.strip() == "[]"
