"""The coordinator app's Chinese catalogue: every text the app can show has a Chinese translation, the
committed .mo is the compiled .po, and each translation keeps the placeholders of its English."""

from __future__ import annotations

import gettext
import re

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.notify.config import OFF_NOTICE
from bot.settings import PROJECT_ROOT
from bot.web.coordinator.i18n import TRANSLATIONS

CATALOGUE = TRANSLATIONS / "zh" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "_l": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")


Msgid = tuple[str | tuple[str, ...], str | None]  # (the English, its context)


def used_msgids() -> set[Msgid]:
    """Every msgid in the app's Python and templates, found as `make translations` finds them (babel.cfg)."""
    with open(PROJECT_ROOT / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: set[Msgid] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(PROJECT_ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add((message if isinstance(message, str) else tuple(message), context))
    return found


def catalogue() -> Catalog:
    with open(CATALOGUE / "messages.po", "rb") as handle:
        return read_po(handle, locale="zh")


def test_every_text_of_the_app_has_a_chinese_translation() -> None:
    used = used_msgids()
    assert len(used) > 200  # the extraction found the app (a wrong babel.cfg would find nothing)
    po = catalogue()
    untranslated = []
    for msgid, context in sorted(used, key=str):
        message = po.get(msgid, context=context)
        strings = [] if message is None else ([message.string] if isinstance(message.string, str) else message.string)
        if message is None or message.fuzzy or not all(s.strip() for s in strings) or not strings:
            untranslated.append((msgid, context))
    assert untranslated == [], "run `make translations` and translate these in messages.po"


def test_the_compiled_catalogue_is_the_po_file() -> None:
    """messages.mo is committed (no build step on a fresh clone): it must say what messages.po says."""
    with open(CATALOGUE / "messages.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in catalogue():
        if not message.id:
            continue
        if message.context:
            assert compiled.pgettext(message.context, message.id) == message.string, message.id
        elif isinstance(message.id, tuple):
            assert compiled.ngettext(message.id[0], message.id[1], 2) == message.string[0], message.id
        else:
            assert compiled.gettext(message.id) == message.string, "messages.mo is stale: run `make translations`"


def test_translations_keep_their_placeholders() -> None:
    for message in catalogue():
        if not message.id:
            continue
        english = message.id if isinstance(message.id, str) else message.id[1]
        chinese = message.string if isinstance(message.string, str) else message.string[0]
        assert sorted(PLACEHOLDER.findall(chinese)) == sorted(PLACEHOLDER.findall(english)), english
        assert chinese.count("<") == english.count("<"), english  # the same markup


def test_no_chinese_text_is_an_english_copy() -> None:
    same = [m.id for m in catalogue() if m.id and m.string == m.id and m.id not in ("Webhook",)]  # a loanword
    assert same == []


def test_the_off_notice_label_is_the_notifiers_own_text() -> None:
    from bot.web.coordinator.notifications import OFF_NOTICE_LABEL

    assert OFF_NOTICE_LABEL.msgid == OFF_NOTICE
