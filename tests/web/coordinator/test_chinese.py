"""The coordinator app in Chinese (issue 13): the sign-in page by the browser's language, every other page
by the account's; dates as Chinese writes them; a lead's language, text versions and WeChat ID; the
account page's language switch; the default language of new accounts (setting and CLI)."""

from __future__ import annotations

import html
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.cli import main as cli
from bot.leads.accounts import AccountError, Accounts
from bot.leads.database import Database
from bot.leads.store import ContactDetails, LeadStore
from bot.settings import get_settings
from bot.trial.criteria import load_criteria
from bot.web.coordinator.config import ConfigurationError, coordinator_options
from tests.web.coordinator.conftest import FAST_HASHER, services
from tests.web.coordinator.seed import ELIGIBLE, PASSWORD, csrf_token, seed_lead, sign_in, words_for

VERSIONS = {"zh": "texts-zh-5e6f7a8b", "consent": "consent-0123456789ab"}


@pytest.fixture
def wang(app: Flask) -> FlaskClient:
    """A client signed in as a coordinator whose account is in Chinese."""
    services(app).accounts.add("wang", PASSWORD, language="zh")
    client = app.test_client()
    assert sign_in(client, "wang").status_code == 302
    return client


@pytest.fixture
def chinese_lead(app_store: LeadStore) -> int:
    """A lead from a Chinese conversation, with the patient's own (Chinese) words and a WeChat ID."""
    words = words_for(ELIGIBLE) | {"age": {"text": "我爸今年六十二岁", "value": "62", "how": "read age 62"}}
    lead_id = seed_lead(app_store, "conv-zh", ContactDetails("王建国", "+8613800138000", wechat="wangjg_1964"),
                        answers=ELIGIBLE | {"age": 62}, completed_at=datetime(2026, 11, 20, 2, 5, tzinfo=timezone.utc),
                        patient_words=words)
    app_store.complete_screening("conv-zh", _result(), words, language="zh", text_versions=VERSIONS)
    return lead_id


def _result():  # type: ignore[no-untyped-def]
    from bot.trial.criteria import load_criteria
    from bot.trial.eligibility import evaluate

    return evaluate(load_criteria(), ELIGIBLE | {"age": 62})


@pytest.mark.parametrize(("accept", "lang", "words"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh", ["登录", "用户名", "密码", "预筛协调员平台"]),
    ("zh-TW", "zh", ["登录", "用户名"]),  # Simplified Chinese is closer to a Traditional reader than English
    ("en-GB,en;q=0.9", "en", ["Sign in", "Username", "Password"]),
    ("", "en", ["Sign in", "Username", "Password"]),
    ("fr-FR", "en", ["Sign in"]),
])
def test_the_sign_in_page_speaks_the_browsers_language(anonymous: FlaskClient, accept: str, lang: str,
                                                       words: list[str]) -> None:
    page = anonymous.get("/login", headers={"Accept-Language": accept} if accept else {}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    for word in words:
        assert word in page


def test_a_failed_sign_in_is_explained_in_chinese(app: Flask, anonymous: FlaskClient) -> None:
    services(app).accounts.add("wang", PASSWORD, language="zh")
    response = anonymous.post(
        "/login", data={"username": "wang", "password": "wrong password", "csrf_token": csrf_token(anonymous)},
        headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 401 and "用户名或密码不正确。" in response.get_data(as_text=True)


@pytest.mark.parametrize("username", ["wang", "nobody"])
def test_a_failed_sign_in_does_not_tell_in_which_language_an_account_is(app: Flask, anonymous: FlaskClient,
                                                                        username: str) -> None:
    services(app).accounts.add("wang", PASSWORD, language="zh")
    response = anonymous.post("/login", headers={"Accept-Language": "en"}, data={
        "username": username, "password": "wrong password", "csrf_token": csrf_token(anonymous)})
    page = response.get_data(as_text=True)
    assert "That username and password do not match an account." in page and '<html lang="en">' in page


def test_the_list_is_in_chinese_with_chinese_dates(wang: FlaskClient, chinese_lead: int) -> None:
    page = wang.get("/leads", headers={"Accept-Language": "en"}).get_data(as_text=True)  # the account decides
    assert '<html lang="zh">' in page
    for words in ("预筛记录", "审核状态", "机器人初判", "导出 CSV", "可能符合", "新记录", "审计记录", "退出登录",
                  "微信：wangjg_1964", "2026年11月20日 10:05"):  # 02:05 UTC is 10:05 in Shanghai
        assert words in page, words
    assert "Review status" not in page and "Sign out" not in page


def test_the_lead_page_shows_the_patients_words_language_versions_and_wechat(wang: FlaskClient,
                                                                             chinese_lead: int) -> None:
    page = wang.get(f"/leads/{chinese_lead}").get_data(as_text=True)
    assert "“我爸今年六十二岁”" in page and "“No, never”" in page  # as typed, whatever the language
    assert 'lang="zh">“我爸今年六十二岁”' in page  # screen readers read the words in their language
    assert "对话语言：中文" in page and "texts-zh-5e6f7a8b" in page and "consent-0123456789ab" in page
    assert "微信号" in page and "wangjg_1964" in page and "王建国" in page
    age_question = load_criteria().check("age")
    assert html.escape(age_question.texts("zh").question) in page  # the question as the patient read it
    assert html.escape(age_question.question) not in page
    for words in ("联系方式", "审核结论", "入排标准", "患者原话", "病历核对清单", "删除该患者的数据", "永久删除"):
        assert words in page, words


def test_an_english_account_sees_the_same_lead_in_english(client: FlaskClient, chinese_lead: int) -> None:
    page = client.get(f"/leads/{chinese_lead}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "Conversation language: 中文" in page and "WeChat ID" in page and "“我爸今年六十二岁”" in page
    assert html.escape(load_criteria().check("age").texts("zh").question) in page  # the patient's words' question
    assert "20 Nov 2026, 10:05" in page and "审核结论" not in page


def test_a_lead_without_versions_says_so(client: FlaskClient, app_store: LeadStore) -> None:
    lead_id = seed_lead(app_store, "conv-en")
    page = client.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert "Conversation language: English" in page and "text versions not recorded" in page


def test_a_coordinator_switches_the_app_to_chinese_and_back(client: FlaskClient, app_store: LeadStore) -> None:
    assert "Your account" in client.get("/account").get_data(as_text=True)
    response = client.post("/account/language", data={"language": "zh", "csrf_token": csrf_token(client, "/account")},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert '<html lang="zh">' in page and "界面语言已改为中文。" in page and "我的账号" in page
    assert "预筛记录" in client.get("/leads").get_data(as_text=True)
    response = client.post("/account/language", data={"language": "en", "csrf_token": csrf_token(client, "/account")},
                           follow_redirects=True)
    assert "The app now speaks English to you." in response.get_data(as_text=True)
    assert [e["detail"] for e in app_store.audit_entries() if e["action"] == "set_language"] == ["en", "zh"]


@pytest.mark.parametrize("language", ["fr", "", "zh-TW"])
def test_an_unknown_language_is_refused(client: FlaskClient, language: str) -> None:
    page = client.post("/account/language", data={"language": language, "csrf_token": csrf_token(client, "/account")},
                       follow_redirects=True).get_data(as_text=True)
    assert "Choose a language." in page and '<html lang="en">' in page


def test_new_accounts_get_the_default_language_and_existing_ones_keep_theirs(app: Flask) -> None:
    accounts = Accounts(services(app).store.database, hasher=FAST_HASHER, default_language="zh")
    assert accounts.add("li", PASSWORD).language == "zh"
    assert accounts.add("zhao", PASSWORD, language="en").language == "en"
    assert accounts.add("zhao", PASSWORD + "!", reset=True).language == "en"  # a reset keeps the choice
    with pytest.raises(AccountError):
        accounts.add("qian", PASSWORD, language="fr")


@pytest.mark.parametrize(("raw", "language"), [("", "zh"), ("zh", "zh"), ("EN", "en")])
def test_the_default_language_setting(raw: str, language: str) -> None:
    import dataclasses

    assert coordinator_options(dataclasses.replace(get_settings(), coordinator_default_language=raw)
                               ).default_language == language


def test_a_wrong_default_language_stops_the_app_with_the_reason() -> None:
    import dataclasses

    with pytest.raises(ConfigurationError, match="COORDINATOR_DEFAULT_LANGUAGE"):
        coordinator_options(dataclasses.replace(get_settings(), coordinator_default_language="fr"))


def test_the_cli_creates_accounts_in_a_language(database_url: str, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COORDINATOR_DEFAULT_LANGUAGE", "zh")
    get_settings.cache_clear()
    monkeypatch.setattr("bot.leads.accounts.PasswordHasher", lambda: FAST_HASHER)
    try:
        for argv in (["wang"], ["smith", "--language", "en"]):
            monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
            assert cli.main(["coordinator", "add", *argv]) == 0
        assert "created (app language: en)" in capsys.readouterr().out
        accounts = Accounts(Database(database_url))
        assert {a.username: a.language for a in accounts.list()} == {"smith": "en", "wang": "zh"}
        accounts.database.engine.dispose()
    finally:
        get_settings.cache_clear()


def _visible_text(page: str) -> str:
    """What a person reads: the page without its tags, attributes, scripts and styles."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<blockquote class="protocol-text">.*?</blockquote>', " ", page, flags=re.S)  # as registered
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_the_lead_page_is_all_in_chinese_for_a_chinese_account(app_store: LeadStore, wang: FlaskClient) -> None:
    """Criterion titles and the engine's reasons from the criteria files' Chinese, the reading notes, answer
    values and the topics and question names of the patient's questions translated: no English sentence of
    the engine and no internal key on the page (issue 22)."""
    from bot.trial.eligibility import evaluate

    answers = ELIGIBLE | {"age": 59, "primary_resected": "unsure", "prior_car_t": "yes"}
    words = words_for(answers) | {"age": {"text": "五十九", "value": "59", "how": "read age 59"}}
    app_store.start_screening("conv-zh-page", "consent-test", load_criteria().version)
    app_store.complete_screening(
        "conv-zh-page", evaluate(load_criteria(), answers), words, language="zh",
        side_questions=[{"topic": "residence", "text": "要住在上海吗？", "at": "2026-11-20T02:00:00+00:00",
                         "during": "primary_resected"}])
    lead_id = app_store.get_lead("conv-zh-page").id
    text = _visible_text(wang.get(f"/leads/{lead_id}").get_data(as_text=True))

    for chinese in ("年龄 18 至 75 岁", "患者 59 岁；本研究接收 18 至 75 岁的患者。", "读取的年龄 59",
                    "肠道原发肿瘤已手术切除（原发灶切除）", "患者不确定肠道原发肿瘤是否已切除。需要复核。",
                    "患者接受过 CAR-T 细胞治疗或其他基因修饰 T 细胞治疗。", "在医院附近居住",
                    "提问于 肠道原发肿瘤已手术切除（原发灶切除）"):
        assert chinese in text, chinese
    criteria = load_criteria()
    english = [check.label for check in criteria.checks] + ["Patient is 59", "read age", "Needs review"]
    keys = [check.id for check in criteria.checks] + ["residence", "unsure"]
    shown = [word for word in english + keys if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)]
    assert shown == [], [text[max(0, text.find(w) - 80):text.find(w) + 80] for w in shown]


def test_a_worked_lead_page_is_all_in_chinese_for_a_chinese_account(app_store: LeadStore, wang: FlaskClient) -> None:
    """A lead a Chinese coordinator has worked on through the app's own forms (an attempt, a call-back, an
    override, the records checklist, a screen failure): the checklist items, status labels, attempt outcomes,
    channels, the screen-failure reason and the activity trail are all in Chinese, no internal key shown."""
    from bot.trial.eligibility import evaluate

    criteria = load_criteria()
    answers = ELIGIBLE | {"age": 59, "primary_resected": "unsure"}
    words = words_for(answers) | {"age": {"text": "五十九", "value": "59", "how": "read age 59"},
                                  "viral_infection": {"text": "乙肝没有，艾滋也没有", "value": "no",
                                                      "how": "in parts: hepatitis_b: no ('没有'); hiv: no ('没有')"},
                                  "ctdna_positive": {
                                      "text": "好像是阳性", "value": "unsure",
                                      "how": "intent affirm (0.91): a belief about a record-based result"}}
    app_store.start_screening("conv-zh-worked", "consent-test", criteria.version)
    app_store.complete_screening("conv-zh-worked", evaluate(criteria, answers), words, language="zh",
                                 side_questions=[{"topic": "cost", "text": "要花钱吗？",
                                                  "at": "2026-11-20T02:00:00+00:00", "during": "age"}])
    lead_id = app_store.get_lead("conv-zh-worked").id
    page = f"/leads/{lead_id}"
    token = csrf_token(wang, page)
    posts = [
        (f"{page}/attempts", {"attempt_at": "2026-11-21T09:30", "channel": "phone", "outcome": "no_answer",
                              "attempt_note": ""}),
        (f"{page}/callback", {"callback_at": (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")}),
        (f"{page}/criteria/primary_resected/override", {"verdict": "meets", "reason": "病理报告已确认"}),
        (f"{page}/records", {"result-haemoglobin": "120 g/L", "checked-haemoglobin": "on"}),
        (f"{page}/status", {"status": "rejected", "failure_reason": "ctdna_negative", "note": "ctDNA 阴性",
                            "failed_criteria": "ctdna_positive"}),
    ]
    for path, form in posts:
        assert wang.post(path, data={**form, "csrf_token": token}).status_code == 302, path
    text = _visible_text(wang.get(page).get_data(as_text=True))

    for chinese in ("血红蛋白 ≥ 90 g/L", "研究者的综合判断", "病理证实肝转移灶（及其他转移灶）为 R0 切除", "乙肝: 不是",
                    "艾滋: 不是"):
        assert chinese in text, chinese
    english = ([check.label for check in criteria.checks] + [rc.item for rc in criteria.record_checks]
               + ["Patient is 59", "read age", "Needs review", "No answer", "Phone", "Not eligible", "Overridden",
                  "in parts", "a belief"])
    keys = ([check.id for check in criteria.checks] + [rc.id for rc in criteria.record_checks]
            + ["no_answer", "phone", "rejected", "ctdna_negative", "cost", "unsure", "meets", "override_criterion",
               "log_attempt", "set_status", "set_callback", "record_checks", "view_lead", "button", "hepatitis_b",
               "hiv", "affirm"])
    shown = [word for word in english + keys if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)]
    assert shown == [], [text[max(0, text.find(w) - 80):text.find(w) + 80] for w in shown]
    # English words left (abbreviations such as ECOG and ctDNA aside): the app's name, the time zone's, a
    # version's, the conversation id, the coordinator's username and the patient's own words
    latin = set(re.findall(r"(?<![A-Za-z])[A-Z]?[a-z]{3,}(?![A-Za-z])", text)) - {
        "Prescreen", "Asia", "Shanghai", "consent", "test", "conv", "worked", "wang", "Yes", "that", "right", "never",
        "not", "sure", "min"}
    assert latin == set(), latin

    trail = _visible_text(wang.get("/insights/audit").get_data(as_text=True))  # the whole audit trail too
    assert "来自 127.0.0.1" in trail and "分项" not in trail
    shown = [word for word in keys + ["from", "reason", "at"] if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])",
                                                                         trail)]
    assert shown == [], [trail[max(0, trail.find(w) - 80):trail.find(w) + 80] for w in shown]
