"""Texts translated when they are shown, not when the module is imported (labels, fixed error texts).

Flask-Babel's own lazy strings count as safe HTML in templates (they are printed unescaped); these are
printed like any other text, escaped, so a label is never markup.
"""

from __future__ import annotations

from flask_babel import gettext


class LazyText:
    """A msgid that becomes its translation in the current request's language whenever it is used as text."""

    __slots__ = ("msgid",)

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid

    def __str__(self) -> str:
        return gettext(self.msgid)

    def __repr__(self) -> str:
        return f"LazyText({self.msgid!r})"

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.msgid)


def _l(msgid: str) -> LazyText:
    """Mark a text for translation (extracted like `_`) and translate it when shown."""
    return LazyText(msgid)
