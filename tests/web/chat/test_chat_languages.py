"""The chat page in Chinese and English (issue 13): fonts, `lang` tags, the language the page learns from replies.

The relay is tested against the same canned Rasa as test_chat_app.py (a real socket answering in the
REST channel's format); the page's behaviour in a browser is in tests/browser/test_chat_page.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bot.languages import DEFAULT_LANGUAGE, FACTS, LANGUAGES, SCRIPTS
from bot.reading.language import looks_chinese
from bot.web.chat.app import create_app
from bot.web.chat.reply_language import tag_languages, text_language
from bot.web.chat.strings import all_strings
from tests.web.chat.canned_rasa import SENDER, CannedRasa, make_settings

STATIC = Path(__file__).resolve().parents[3] / "bot" / "web" / "chat" / "static"
CJK_FONTS = ("PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC",
             "WenQuanYi Micro Hei")
LATIN_FONTS = ("system-ui", "-apple-system", "Segoe UI", "Roboto", "Arial")


# ---- fonts and assets ---------------------------------------------------------------------------


def font_stack(css: str, selector: str) -> list[str]:
    block = re.search(rf"(?m)^{re.escape(selector)}\s*\{{([^}}]*)\}}", css)
    assert block, selector
    declaration = re.search(r"font-family:\s*([^;]+);", block.group(1))
    assert declaration, f"no font-family on {selector}"
    return [name.strip().strip('"') for name in declaration.group(1).replace("\n", " ").split(",")]


def test_body_font_stack_has_the_chinese_system_fonts_after_the_latin_ones() -> None:
    stack = font_stack((STATIC / "chat.css").read_text(encoding="utf-8"), "body")
    assert all(font in stack for font in CJK_FONTS + LATIN_FONTS), stack
    last_latin = max(stack.index(font) for font in LATIN_FONTS)
    assert all(stack.index(font) > last_latin for font in CJK_FONTS), stack
    assert stack[-1] == "sans-serif"


def test_embed_launcher_uses_the_same_font_stack() -> None:
    embed = (STATIC / "embed.js").read_text(encoding="utf-8")
    for font in CJK_FONTS:
        assert f'"{font}"' in embed, font


@pytest.mark.parametrize("asset", ["chat.css", "chat.js", "embed.js"])
def test_no_font_or_anything_else_is_downloaded_from_elsewhere(asset: str) -> None:
    text = (STATIC / asset).read_text(encoding="utf-8")
    # Comments (embed.js's usage example) load nothing.
    text = re.sub(r"/\*.*?\*/|^\s*//[^\n]*", "", text, flags=re.S | re.M)
    assert "@font-face" not in text and "@import" not in text
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", text), asset
    assert not re.search(r"['\"](?:https?:)?//[a-z0-9]", text, re.IGNORECASE), asset


@pytest.mark.parametrize("path", ["/", "/?lang=zh", "/?embed=1&lang=zh-CN", "/privacy?lang=zh"])
def test_pages_reference_no_external_url(down_client: Any, path: str) -> None:
    html = down_client.get(path).get_data(as_text=True)
    assert "@font-face" not in html and "fonts.googleapis" not in html
    assert not re.findall(r"""(?:src|href)=["'](?:https?:)?//""", html), path
    assert not re.findall(r"url\(", html), path


def test_chinese_lines_are_taller_and_break_strictly() -> None:
    css = (STATIC / "chat.css").read_text(encoding="utf-8")
    zh = re.search(r"(?m)^:lang\(zh\)\s*\{([^}]*)\}", css)
    assert zh and "line-break: strict" in zh.group(1) and "word-break: normal" in zh.group(1)
    taller = re.search(r"body:lang\(zh\),\s*\.bubble:lang\(zh\)\s*\{\s*line-height:\s*([\d.]+)", css)
    assert taller and float(taller.group(1)) >= 1.6


# ---- the page in each language ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "html_lang", "words"),
    [
        ("/", "en", "Send"),
        ("/?lang=en", "en", "Send"),
        ("/?lang=zh", "zh-CN", "发送"),
        ("/?lang=zh-CN", "zh-CN", "发送"),
        ("/?lang=ZH_cn&embed=1", "zh-CN", "发送"),
        ("/?lang=fr", "en", "Send"),
    ],
)
def test_the_page_starts_in_its_language(down_client: Any, path: str, html_lang: str, words: str) -> None:
    html = down_client.get(path).get_data(as_text=True)
    assert f'<html lang="{html_lang}"' in html
    assert re.search(rf'id="send"[^>]*>{words}</button>', html)


def test_the_page_holds_its_words_in_every_language_for_a_switch(down_client: Any) -> None:
    html = down_client.get("/").get_data(as_text=True)
    blob = re.search(r'<script type="application/json" id="strings">(.*?)</script>', html, re.S)
    assert blob
    assert json.loads(blob.group(1)) == all_strings()
    # Every text the page shows is marked with its key, so chat.js can put it in the other language.
    keys = set(re.findall(r'data-s(?:-label)?="(\w+)"', html))
    assert keys >= {"skip", "restart", "confirm_text", "confirm_yes", "confirm_no", "notice", "notice_label",
                    "emergency", "log_label", "typing", "input_label", "send", "hint", "contact", "privacy",
                    "offline_title", "offline_body", "try_now"}
    assert keys <= set(all_strings()["en"])


def test_the_built_in_privacy_link_is_marked_and_an_external_one_is_not(rasa: CannedRasa) -> None:
    def page(**overrides: Any) -> str:
        return create_app(make_settings(rasa.port, **overrides)).test_client().get("/?lang=zh").get_data(as_text=True)

    assert re.search(r'<a href="/privacy\?lang=zh" id="privacy-link" data-builtin', page())
    external = page(privacy_url="https://hospital.example/privacy")
    assert 'href="https://hospital.example/privacy"' in external and "data-builtin" not in external


# ---- the language of replies ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fallback", "expected"),
    [
        ("您好！请问您今年多大年纪？", "en", "zh"),
        ("您做过 CAR-T 细胞治疗吗？", "en", "zh"),
        ("癌胚抗原（CEA）检测结果是阳性吗？", "en", "zh"),
        ("How old are you?", "zh", "en"),
        ("Have you had CAR-T cell therapy before?", "zh", "en"),
        ("Your reference code is PS-7K3F9Q.", "zh", "en"),
        ("您的参考编号是 PS-7K3F9Q。", "en", "zh"),
        ("PS-7K3F9Q", "zh", "zh"),
        ("PS-7K3F9Q", "en", "en"),
        ("021-3116 1234", "zh", "zh"),
        ("👍", "en", "en"),
    ],
)
def test_text_language(text: str, fallback: str, expected: str) -> None:
    assert text_language(text, fallback) == expected  # type: ignore[arg-type]


def test_text_language_agrees_with_the_assistants_own_rule_on_chinese() -> None:
    for text in ("我做过CAR-T吗？不确定", "CEA 阳性", "好的", "I live in 上海", "ok"):
        assert (text_language(text, "en") == "zh") == looks_chinese(text), text


def test_tag_languages_follows_the_last_reply_and_tags_button_only_messages() -> None:
    tagged, conversation = tag_languages(
        [
            {"text": "好的，我们用中文继续。"},
            {"text": "您今年多大年纪？"},
            {"buttons": [{"title": "跳过", "payload": "/skip"}]},
        ],
        "en",
    )
    assert [m["lang"] for m in tagged] == ["zh", "zh", "zh"]
    assert conversation == "zh"
    tagged, conversation = tag_languages([{"text": "OK, in English then."}, {"text": "PS-7K3F9Q"}], "zh")
    assert [m["lang"] for m in tagged] == ["en", "en"] and conversation == "en"
    assert tag_languages([], "zh") == ([], "zh")


@pytest.mark.parametrize(
    ("page_lang", "replies", "message_langs", "conversation"),
    [
        ("en", ["Welcome! Shall we begin?"], ["en"], "en"),
        ("zh", ["欢迎！我们开始吧？"], ["zh"], "zh"),
        # The patient typed Chinese on an English page (or asked 说中文): the assistant answers in Chinese.
        ("en", ["好的，我们用中文。", "您今年多大年纪？"], ["zh", "zh"], "zh"),
        # "English please" on a Chinese page.
        ("zh", ["Of course, in English.", "How old are you?"], ["en", "en"], "en"),
    ],
)
def test_relay_tags_each_reply_and_returns_the_conversations_language(
    client: Any, rasa: CannedRasa, page_lang: str, replies: list[str], message_langs: list[str], conversation: str,
) -> None:
    rasa.reply_with([{"recipient_id": SENDER, "text": text} for text in replies])
    response = client.post(f"/api/messages?lang={page_lang}", json={"sender_id": SENDER, "text": "hi"})
    assert response.status_code == 200
    body = response.get_json()
    assert [m["lang"] for m in body["messages"]] == message_langs
    assert body["lang"] == conversation
    assert rasa.received[-1]["body"]["metadata"] == {"lang": page_lang}


@pytest.mark.parametrize(
    ("lang", "words"),
    [("zh", "暂时无法连接到助手"), ("zh-CN", "暂时无法连接到助手"), ("en", "can't reach the assistant")],
)
def test_the_unavailable_message_is_in_the_conversations_language(down_client: Any, lang: str, words: str) -> None:
    response = down_client.post(f"/api/messages?lang={lang}", json={"sender_id": SENDER, "text": "你好"})
    assert response.status_code == 503
    assert words in response.get_json()["message"]


def test_embed_script_passes_its_language_to_the_page() -> None:
    embed = (STATIC / "embed.js").read_text(encoding="utf-8")
    assert "url.searchParams.set('lang', lang)" in embed
    assert "data.lang" in embed


# ---- the languages come from the server (bot/languages.py), not from copies in the scripts ---------


def test_the_page_tells_its_script_each_languages_letters(down_client: Any) -> None:
    html = down_client.get("/").get_data(as_text=True)
    blob = re.search(r'<script type="application/json" id="scripts">(.*?)</script>', html, re.S)
    assert blob
    scripts = json.loads(blob.group(1))
    assert {facts.script: language for language, facts in FACTS.items()} == {
        script: entry["lang"] for script, entry in scripts.items()}
    assert all(entry["chars"] == SCRIPTS[script] for script, entry in scripts.items())


def test_the_embed_script_gets_each_languages_words_from_the_server(down_client: Any) -> None:
    source = down_client.get("/embed.js").get_data(as_text=True)
    languages = re.search(r"var LANGS = (\{.*?\});\n", source)
    assert languages, "the server put no languages into embed.js"
    assert json.loads(languages.group(1)) == {
        language: {"html_lang": words["html_lang"], "close_chat": words["close_chat"]}
        for language, words in all_strings().items()}
    assert f"var DEFAULT_LANG = {json.dumps(DEFAULT_LANGUAGE)};" in source
    assert "__LANGUAGES__" not in source and "__DEFAULT_LANGUAGE__" not in source


def test_the_embed_script_is_cached_for_five_minutes_and_revalidated(down_client: Any) -> None:
    first = down_client.get("/embed.js")
    assert first.headers["Cache-Control"] == "public, max-age=300" and first.headers["ETag"]
    again = down_client.get("/embed.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("asset", ["chat.js", "embed.js"])
def test_no_script_names_a_language_or_its_letters_itself(asset: str) -> None:
    """A language code, a test for one or a Han class in the scripts would be a second list of the languages."""
    code = re.sub(r"/\*.*?\*/|(?:^|\s)//[^\n]*", "", (STATIC / asset).read_text(encoding="utf-8"), flags=re.S | re.M)
    for language in LANGUAGES:
        assert f"'{language}'" not in code and f'"{language}"' not in code and f"/^{language}/" not in code, language
    assert "\\u4e00" not in code and "关闭" not in code and "Close chat" not in code
