"""The messages' language (NOTIFY_LANGUAGE): their words from the notify catalogue, dates as it writes them.

The Chinese catalogue is `translations/zh/LC_MESSAGES/notify.po` (domain "notify", English msgids);
its compiled `notify.mo` is committed next to it, as the coordinator app's is, so a fresh clone sends
Chinese with no build step. `make translations` rebuilds both; tests/notify/test_chinese_messages.py
fails when one is stale or a text has no translation.
"""

from __future__ import annotations

import gettext
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.support import Translations

from bot.languages import FACTS, SOURCE_LANGUAGE, known_language

TRANSLATIONS = Path(__file__).parent / "translations"
DOMAIN = "notify"
# English keeps the dates it always had (day month year, 24-hour clock: 03 Dec 2026, 08:31); the other
# languages as CLDR writes them in their locale (bot/languages.py), 2026年12月3日 15:30.
ENGLISH_MOMENT, ENGLISH_DAY = "%d %b %Y, %H:%M", "%d %b %Y"
_AS_ALWAYS: dict[str, tuple[str, str]] = {"en": (ENGLISH_MOMENT, ENGLISH_DAY)}  # strftime: moment, day


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()  # the msgids are the English
    return Translations.load(str(TRANSLATIONS), [language], domain=DOMAIN)


@dataclass(frozen=True)
class Wording:
    """One language's words and dates; `gettext` / `ngettext` are the names `make translations` extracts.

    Both fill the translation's `%(name)s` placeholders from the keyword arguments.
    """

    language: str
    zone: ZoneInfo

    def gettext(self, message: str, /, **values: object) -> str:
        translated = _catalogue(self.language).gettext(message)
        return translated % values if values else translated

    def ngettext(self, singular: str, plural: str, number: int, /, **values: object) -> str:
        translated = _catalogue(self.language).ngettext(singular, plural, number)
        return translated % values if values else translated

    @property
    def comma(self) -> str:
        """Between two parts of one line: ", " or "，"."""
        return FACTS[known_language(self.language)].comma

    def moment(self, moment: datetime) -> str:
        """A date and time in the configured zone: 03 Dec 2026, 08:31 or 2026年12月3日 08:31."""
        local = moment.astimezone(self.zone)
        if self.language in _AS_ALWAYS:
            return local.strftime(_AS_ALWAYS[self.language][0])
        locale = Locale.parse(self._locale)
        day = format_date(local, "medium", locale=locale)
        clock = format_time(local, "short", locale=locale)
        return str(locale.datetime_formats["medium"]).replace("{1}", day).replace("{0}", clock)

    def day(self, moment: datetime) -> str:
        local = moment.astimezone(self.zone)
        if self.language in _AS_ALWAYS:
            return local.strftime(_AS_ALWAYS[self.language][1])
        return format_date(local, "medium", locale=self._locale)

    @property
    def _locale(self) -> str:
        return FACTS[known_language(self.language)].date_locale


def display_width(text: str) -> int:
    """Columns a text takes in a fixed-width font: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def aligned(rows: list[tuple[str, str]]) -> list[str]:
    """Label and value rows with the values in one column, two spaces after the widest label."""
    width = max(display_width(label) for label, _value in rows) + 2
    return [label + " " * (width - display_width(label)) + value for label, value in rows]
