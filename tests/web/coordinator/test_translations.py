"""The coordinator app's Chinese catalogue: every text the app can show has a Chinese translation, the
committed .mo is the compiled .po, and each translation keeps the placeholders of its English."""

from __future__ import annotations

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from bot.notify.config import OFF_NOTICE
from bot.settings import PROJECT_ROOT
from bot.web.coordinator.i18n import TRANSLATIONS
from tests.catalogues import PLACEHOLDER, Msgid, pairs, read_catalogue, stale_in_mo, untranslated

CATALOGUE = TRANSLATIONS / "zh" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "_l": None}


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
    return read_catalogue(CATALOGUE / "messages.po")


def test_every_text_of_the_app_has_a_chinese_translation() -> None:
    used = used_msgids()
    assert len(used) > 200  # the extraction found the app (a wrong babel.cfg would find nothing)
    assert untranslated(used, catalogue()) == [], "run `make translations` and translate these in messages.po"


def test_the_compiled_catalogue_is_the_po_file() -> None:
    """messages.mo is committed (no build step on a fresh clone): it must say what messages.po says."""
    assert stale_in_mo(catalogue(), CATALOGUE / "messages.mo") == [], "messages.mo is stale: run `make translations`"


def test_translations_keep_their_placeholders() -> None:
    for english, chinese in pairs(catalogue()):
        assert sorted(PLACEHOLDER.findall(chinese)) == sorted(PLACEHOLDER.findall(english)), english
        assert chinese.count("<") == english.count("<"), english  # the same markup


def test_no_chinese_text_is_an_english_copy() -> None:
    same = [m.id for m in catalogue() if m.id and m.string == m.id and m.id not in ("Webhook",)]  # a loanword
    assert same == []


def test_the_off_notice_label_is_the_notifiers_own_text() -> None:
    from bot.web.coordinator.notifications import OFF_NOTICE_LABEL

    assert OFF_NOTICE_LABEL.msgid == OFF_NOTICE
