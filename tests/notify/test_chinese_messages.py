"""The study team's messages in Chinese (NOTIFY_LANGUAGE=zh): the new-lead message and the daily digest
on e-mail, the JSON webhook and WeCom, word for word; the notify catalogue complete, compiled and
keeping its placeholders; the WeCom 4096-byte cap with three-byte Chinese characters."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta, timezone

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir

from bot.notify.config import NotifyConfig, notify_config
from bot.notify.language import DOMAIN, TRANSLATIONS
from bot.notify.messages import DIGEST_LIST_LIMIT, WECOM_MAX_BYTES, DigestLeads, LeadRef, digest_message, lead_message
from bot.settings import PROJECT_ROOT, get_settings
from tests.catalogues import PLACEHOLDER, Msgid, pairs, read_catalogue, stale_in_mo, untranslated

NOW = datetime(2026, 12, 3, 7, 30, tzinfo=timezone.utc)  # 15:30 in Shanghai
CATALOGUE = TRANSLATIONS / "zh" / "LC_MESSAGES"
LEAD = LeadRef(7, "PS-7K3M", "likely_eligible", NOW)
OVERDUE = LeadRef(8, "PS-8X1Y", "needs_review", NOW - timedelta(hours=40))
CALLBACK = LeadRef(9, "PS-9Q2W", "needs_review", NOW - timedelta(days=3), callback_at=NOW - timedelta(days=1))


def config_in(language: str, **changes: object) -> NotifyConfig:
    values: dict[str, object] = {
        "notify_language": language, "coordinator_public_url": "https://prescreen.changhai.example",
        "coordinator_timezone": "Asia/Shanghai", "contact_deadline_hours": 24,
    }
    return notify_config(dataclasses.replace(get_settings(), **(values | changes)))  # type: ignore[arg-type]


def test_the_new_lead_message_in_chinese_on_each_channel() -> None:
    message = lead_message(config_in("zh"), "NCT05240950", LEAD)
    assert message.subject == "新预筛记录 PS-7K3M：可能符合"
    assert message.text == (
        "一位患者完成了 NCT05240950 预筛，并留下了联系方式。\n"
        "\n"
        "编号：          PS-7K3M\n"
        "初步评估：      可能符合\n"
        "完成时间：      2026年12月3日 15:30（Asia/Shanghai）\n"
        "查看预筛记录：  https://prescreen.changhai.example/leads/7\n"
        "\n"
        "请在 24 小时内联系患者。联系方式和回答请在协调员系统中查看（需登录），绝不会通过邮件或 Webhook 发送。\n"
    )
    assert message.body_for("email", "json") == message.text
    assert json.loads(message.body_for("webhook", "wecom")) == {"msgtype": "markdown", "markdown": {"content": (
        "**新预筛记录**（NCT05240950）\n"
        "> 编号：**PS-7K3M**\n"
        "> 初步评估：可能符合\n"
        "> 完成时间：2026年12月3日 15:30（Asia/Shanghai）\n"
        "\n"
        "[查看预筛记录](https://prescreen.changhai.example/leads/7)（需登录）。请在 24 小时内联系。"
    )}}
    # The JSON webhook is a data format: English field names and status codes, only `text` in Chinese.
    assert json.loads(message.body_for("webhook", "json")) == {
        "event": "new_lead", "trial": "NCT05240950", "reference_code": "PS-7K3M",
        "provisional_status": "likely_eligible", "completed_at": "2026-12-03T15:30:00+08:00",
        "link": "https://prescreen.changhai.example/leads/7", "text": message.text,
    }


def test_the_daily_digest_in_chinese_on_each_channel() -> None:
    message = digest_message(config_in("zh"), "NCT05240950", NOW, NOW - timedelta(days=1),
                             DigestLeads([LEAD], [OVERDUE], [CALLBACK]))
    assert message.subject == "预筛每日汇总 2026年12月3日：新增 1 条，超时未联系 1 条，今日待回电 1 条"
    assert message.text == (
        "NCT05240950 预筛每日汇总：2026年12月3日（时间按 Asia/Shanghai 时区）\n"
        "\n"
        "2026年12月2日 15:30（Asia/Shanghai）以来的新预筛记录：1\n"
        "  PS-7K3M  完成于 2026年12月3日 15:30  https://prescreen.changhai.example/leads/7\n"
        "\n"
        "超时未联系（已超过 24 小时联系时限，尚未尝试联系）：1\n"
        "  PS-8X1Y  完成于 2026年12月1日 23:30  https://prescreen.changhai.example/leads/8\n"
        "\n"
        "今日待回电：1\n"
        "  PS-9Q2W  回电 2026年12月2日 15:30（已错过）  https://prescreen.changhai.example/leads/9\n"
        "\n"
        "全部预筛记录（需处理的排在前面）：https://prescreen.changhai.example/leads（需登录）。"
        "联系方式、回答和备注绝不会通过邮件或 Webhook 发送。\n"
    )
    assert message.markdown == (
        "**NCT05240950 预筛每日汇总** 2026年12月3日\n"
        "> 新预筛记录：**1**\n"
        "> [PS-7K3M](https://prescreen.changhai.example/leads/7) 完成于 2026年12月3日 15:30\n"
        "> 超时未联系（超过 24 小时）：**1**\n"
        "> [PS-8X1Y](https://prescreen.changhai.example/leads/8) 完成于 2026年12月1日 23:30\n"
        "> 今日待回电：**1**\n"
        "> [PS-9Q2W](https://prescreen.changhai.example/leads/9) 回电 2026年12月2日 15:30（已错过）\n"
        "时间按 Asia/Shanghai 时区。[打开预筛记录列表](https://prescreen.changhai.example/leads)（需登录）"
    )
    fields = json.loads(message.body_for("webhook", "json"))
    assert fields["event"] == "daily_digest" and fields["text"] == message.text
    assert fields["callbacks_due"] == {"count": 1, "leads": [{
        "reference_code": "PS-9Q2W", "link": "https://prescreen.changhai.example/leads/9",
        "callback_at": "2026-12-02T15:30:00+08:00",
    }]}


def test_a_digest_with_nothing_to_do_in_chinese() -> None:
    message = digest_message(config_in("zh"), "NCT05240950", NOW, NOW - timedelta(days=1), DigestLeads([], [], []))
    assert message.subject == "预筛每日汇总 2026年12月3日：暂无需要处理的事项"
    assert "暂无需要处理的事项：自 2026年12月2日 15:30（Asia/Shanghai）以来没有新预筛记录" in message.text
    assert "> 暂无需要处理的事项：没有新预筛记录，没有超时未联系的记录，今天也没有待回电。\n" in message.markdown


def test_english_is_the_same_message_as_before() -> None:
    """NOTIFY_LANGUAGE=en: the msgids themselves, with the dates English always had."""
    message = lead_message(config_in("en"), "NCT05240950", LEAD)
    assert message.subject == "New prescreen lead PS-7K3M: Likely eligible"
    assert "Completed:           03 Dec 2026, 15:30 (Asia/Shanghai)\n" in message.text


def test_the_wecom_digest_fits_its_4096_bytes_in_chinese() -> None:
    """Chinese characters take three bytes in UTF-8: fewer leads fit, and the cap still holds."""
    config = config_in("zh", coordinator_public_url="https://prescreen-coordinators.intranet.changhai-hospital.example.org")
    many = 45

    def refs(first: int, **extra: datetime) -> list[LeadRef]:
        return [LeadRef(first + n, f"PS-{first + n:06d}", "likely_eligible", NOW - timedelta(hours=30), **extra)
                for n in range(many)]

    leads = DigestLeads(refs(1000), refs(2000), refs(3000, callback_at=NOW + timedelta(hours=5)))
    message = digest_message(config, "NCT05240950", NOW, NOW - timedelta(days=1), leads)
    assert message.subject.endswith(f"新增 {many} 条，超时未联系 {many} 条，今日待回电 {many} 条")
    assert message.text.count("……另有 15 条（见预筛记录列表）") == 3
    assert message.text.count("  PS-") == 3 * DIGEST_LIST_LIMIT
    content = json.loads(message.body_for("webhook", "wecom"))["markdown"]["content"]
    assert len(content.encode("utf-8")) <= WECOM_MAX_BYTES
    listed = content.count("> [PS-")
    assert 3 <= listed < 3 * DIGEST_LIST_LIMIT and f"> ……另有 {many - listed // 3} 条" in content
    assert f"**{many}**" in content and content.endswith("（需登录）")


# The catalogue, as tests/web/coordinator/test_translations.py checks the coordinator app's.

def used_msgids() -> set[Msgid]:
    """Every msgid in bot/notify, found as `make translations` finds them (every .py of the folder)."""
    found: set[Msgid] = set()
    for _file, _line, message, _comments, context in extract_from_dir(str(PROJECT_ROOT / "bot" / "notify")):
        found.add((message if isinstance(message, str) else tuple(message), context))
    return found


def catalogue() -> Catalog:
    return read_catalogue(CATALOGUE / f"{DOMAIN}.po")


def test_every_text_of_the_messages_has_a_chinese_translation() -> None:
    used = used_msgids()
    assert len(used) > 30  # the extraction found the messages
    missing = untranslated(used, catalogue())
    assert missing == [], "run `make translations` and translate these in bot/notify/translations/zh/…/notify.po"


def test_the_compiled_catalogue_is_the_po_file() -> None:
    """notify.mo is committed (no build step on a fresh clone): it must say what notify.po says."""
    assert stale_in_mo(catalogue(), CATALOGUE / f"{DOMAIN}.mo") == [], "notify.mo is stale: run `make translations`"


def test_translations_keep_their_placeholders_and_markdown() -> None:
    for english, chinese in pairs(catalogue()):
        assert sorted(PLACEHOLDER.findall(chinese)) == sorted(PLACEHOLDER.findall(english)), english
        assert chinese.count("**") == english.count("**") and chinese.count("](") == english.count("]("), english


def test_no_chinese_text_is_an_english_copy() -> None:
    same = [m.id for m in catalogue() if m.id and m.string == m.id]
    assert same == []
