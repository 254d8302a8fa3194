"""What the tests of a gettext catalogue share (the coordinator app's and the study-team messages'):
read the .po, list what is untranslated, check the committed .mo against it, and pair each translation
with its English for placeholder checks."""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")
Msgid = tuple[str | tuple[str, ...], str | None]  # (the English, its context)


def read_catalogue(po: Path) -> Catalog:
    with open(po, "rb") as handle:
        return read_po(handle, locale="zh")


def untranslated(used: Iterable[Msgid], catalogue: Catalog) -> list[Msgid]:
    """The msgids the code uses that have no (or a fuzzy, or an empty) translation."""
    missing = []
    for msgid, context in sorted(used, key=str):
        message = catalogue.get(msgid, context=context)
        strings = [] if message is None else ([message.string] if isinstance(message.string, str) else message.string)
        if message is None or message.fuzzy or not strings or not all(s.strip() for s in strings):
            missing.append((msgid, context))
    return missing


def stale_in_mo(catalogue: Catalog, mo: Path) -> list[object]:
    """The messages whose compiled translation in `mo` is not what the .po says."""
    with open(mo, "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale: list[object] = []
    for message in catalogue:
        if not message.id:
            continue
        if message.context:
            same = compiled.pgettext(message.context, message.id) == message.string
        elif isinstance(message.id, tuple):
            same = compiled.ngettext(message.id[0], message.id[1], 2) == message.string[0]
        else:
            same = compiled.gettext(message.id) == message.string
        if not same:
            stale.append(message.id)
    return stale


def pairs(catalogue: Catalog) -> Iterator[tuple[str, str]]:
    """(English, Chinese) for every message (a plural's plural form and its one Chinese form)."""
    for message in catalogue:
        if message.id:
            english = message.id if isinstance(message.id, str) else message.id[1]
            yield english, message.string if isinstance(message.string, str) else message.string[0]
