"""`make test` fails when a patient text exists in one language only: responses, the questions' texts, the
chat page's words, and the buttons (the same payloads in every language)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.texts import catalogue
from bot.texts.catalogue import chat_page_texts, missing_languages, response_texts, wechat_texts
from bot.texts.responses import DOMAIN_FILE, load_domain
from bot.trial.criteria import load_criteria

LANGUAGES = load_criteria().languages


def test_both_languages_are_catalogued() -> None:
    assert LANGUAGES == ("en", "zh")
    kinds = {text.key.split(".")[0] for text in catalogue()}
    assert kinds == {"response", "criteria", "chat", "wechat"}


def test_every_text_exists_in_every_language() -> None:
    problems = missing_languages(catalogue(), LANGUAGES)
    assert not problems, problems


@pytest.mark.parametrize(("variations", "problem"), [
    ([{"text": "Hello"}], "no zh text"),
    ([{"condition": [{"type": "slot", "name": "language", "value": "zh"}], "text": "您好"},
      {"text": "Hello", "buttons": [{"title": "Yes", "payload": "/affirm"}]}], "buttons differ"),
    ([{"condition": [{"type": "slot", "name": "language", "value": "zh"}], "text": "您好",
       "buttons": [{"title": "是", "payload": "/deny"}]},
      {"text": "Hello", "buttons": [{"title": "Yes", "payload": "/affirm"}]}], "buttons differ"),
    ([{"condition": [{"type": "slot", "name": "language", "value": "zh"}], "text": "您好"},
      {"text": "Hello {name}"}], "placeholders differ"),
])
def test_the_check_finds_a_response_in_one_language(variations: list, problem: str) -> None:
    found = missing_languages(response_texts({"responses": {"utter_x": variations}}), LANGUAGES)
    assert any(p.startswith(problem) for p in found["response.utter_x"]), found


def test_the_check_finds_a_chat_page_text_in_one_language(tmp_path: Path) -> None:
    (tmp_path / "en.yml").write_text("send: Send\nonly_english: Hello\n", encoding="utf-8")
    (tmp_path / "zh.yml").write_text("send: 发送\n", encoding="utf-8")
    assert missing_languages(chat_page_texts(tmp_path), LANGUAGES) == {"chat.only_english": ["no zh text"]}


def test_every_response_is_catalogued_in_both_languages() -> None:
    domain = load_domain()
    keys = {text.key for text in catalogue()}
    assert {f"response.{name}" for name in domain["responses"]} <= keys
    chinese = [name for name, variations in domain["responses"].items()
               if any(v.get("condition") == [{"type": "slot", "name": "language", "value": "zh"}] for v in variations)]
    assert len(chinese) == len(domain["responses"])


def test_the_english_variation_stays_last_as_the_default() -> None:
    for name, variations in yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["responses"].items():
        assert "condition" not in variations[-1], name


def test_the_check_finds_a_wechat_text_in_one_language(tmp_path: Path) -> None:
    (tmp_path / "en.yml").write_text("welcome: Hello\nonly_english: Hi\n", encoding="utf-8")
    (tmp_path / "zh.yml").write_text("welcome: 您好\n", encoding="utf-8")
    assert missing_languages(wechat_texts(tmp_path), LANGUAGES) == {"wechat.only_english": ["no zh text"]}


def test_the_wechat_channels_words_are_catalogued_for_review() -> None:
    keys = {text.key: text for text in catalogue() if text.key.startswith("wechat.")}
    assert {"wechat.welcome", "wechat.please_type", "wechat.voice_unclear", "wechat.choices"} <= set(keys)
    assert keys["wechat.please_type"].where == "the WeChat official account"
