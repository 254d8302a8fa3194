"""The coordinator app in Chinese and English (Flask-Babel): which language a request gets, and dates as
that language writes them.

The language is the signed-in coordinator's own (chosen on the account page); before signing in it is
the browser's Accept-Language, English when neither Chinese nor English is asked for. The Chinese
catalogue is `translations/zh/LC_MESSAGES/messages.po`; its compiled `messages.mo` is committed next to
it (`make translations` rebuilds both, tests/web/coordinator/test_translations.py fails when it is
stale), so a fresh clone, a wheel or a read-only container serves Chinese with no build step and
nothing is written into the code's folder at start-up.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from flask import Flask, g, request
from flask_babel import Babel, get_locale
from flask_babel import lazy_gettext as _l

from bot.languages import DEFAULT_LANGUAGE, FACTS, LANGUAGES, SOURCE_LANGUAGE
from bot.web.coordinator.core import local_time

TRANSLATIONS = Path(__file__).parent / "translations"
# Each language's name in its own language, as a language menu shows them: "English", "中文" (bot/languages.py).
LANGUAGE_NAMES: dict[str, str] = {code: FACTS[code].name for code in LANGUAGES}
# The CLDR locale whose date conventions each language uses (bot/languages.py): day month year and a
# 24-hour clock for English (as the app always wrote dates), 2026年12月2日 13:07 for Chinese.
DATE_LOCALES: dict[str, str] = {code: FACTS[code].date_locale for code in LANGUAGES}
# Where a lead came from (Screening.channel), as the lead page and the metrics page name it.
CHANNEL_NAMES = {"web": _l("Web chat page"), "wechat": _l("WeChat official account")}


def select_language() -> str:
    """The signed-in coordinator's language; else the browser's preference; else the default (English).

    The sign-in page always follows the browser: were a failed sign-in answered in the account's
    language, the language would tell whether the username exists.
    """
    coordinator = g.get("coordinator")
    if coordinator is not None and coordinator.language in LANGUAGES and request.endpoint != "auth.login":
        return str(coordinator.language)
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT_LANGUAGE


def format_moment(moment: datetime | None, seconds: bool = False) -> str:
    """A stored moment in the app's time zone, written as the current language writes dates and times."""
    local = local_time(moment)
    if local is None:
        return "—"
    locale = Locale.parse(DATE_LOCALES[current_language()])
    day = format_date(local, "medium", locale=locale)
    clock = format_time(local, "medium" if seconds else "short", locale=locale)
    return str(locale.datetime_formats["medium"]).replace("{1}", day).replace("{0}", clock)


def format_day(moment: datetime | None) -> str:
    local = local_time(moment)
    return format_date(local, "medium", locale=DATE_LOCALES[current_language()]) if local else "—"


def init_i18n(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    app.config["BABEL_DEFAULT_LOCALE"] = SOURCE_LANGUAGE  # the language of the msgids, the texts as written in the code
    Babel(app, locale_selector=select_language)

    @app.context_processor
    def language_context() -> dict[str, object]:
        return {"language": current_language(), "LANGUAGE_NAMES": LANGUAGE_NAMES, "CHANNEL_NAMES": CHANNEL_NAMES}
