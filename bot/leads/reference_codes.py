"""Reference codes: the one place that knows their format (PS-7K3F9Q).

A patient gets one when the screening is stored and quotes it later, by phone or in the chat, to
withdraw; coordinators type it to find or erase a lead. The alphabet leaves out 0/O and 1/I/L, which
are misheard or misread; everything that reads a code accepts only this alphabet and forgives
case, spaces and a missing dash ("ps 7k3f9q", "PS7K3F9Q").
"""

from __future__ import annotations

import re
import secrets

PREFIX = "PS"
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out over the phone
LENGTH = 6

_CHARACTER = f"[{ALPHABET}]"
# "PS-7K3F9Q", "ps7k3f9q", "PS 7K3F9Q", "PS - 7K3F9Q": the prefix, then an optional dash and spaces.
_TYPED = re.compile(rf"{PREFIX}\s*-?\s*({_CHARACTER}{{{LENGTH}}})", re.IGNORECASE)
_IN_TEXT = re.compile(rf"(?<![A-Za-z0-9]){_TYPED.pattern}(?![A-Za-z0-9])", re.IGNORECASE)
# What a coordinator may type in the search box to find a code by a part of it: six characters of the
# alphabet (with or without the prefix), the prefix and a few characters, or characters of the alphabet
# with a digit among them (other plain words are searched as names only).
_FRAGMENT = re.compile(
    rf"(?:{PREFIX}-?)?{_CHARACTER}{{{LENGTH}}}|{PREFIX}-{_CHARACTER}*|{_CHARACTER}*[2-9]{_CHARACTER}*"
)


def new_reference_code() -> str:
    """A fresh random code, e.g. PS-7K3F9Q (uniqueness is the database's job)."""
    return f"{PREFIX}-" + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_reference_code(text: str) -> str | None:
    """The code as stored (PS-XXXXXX) if `text` is exactly one code as typed; None otherwise."""
    match = _TYPED.fullmatch(text.strip())
    return f"{PREFIX}-{match.group(1).upper()}" if match else None


def is_reference_code(text: str) -> bool:
    """Whether `text` is a code in its stored form (PS-XXXXXX, capitals, the real alphabet)."""
    return normalise_reference_code(text) == text


def reference_code_in(message: str) -> str | None:
    """The first reference code quoted in a message ("delete ps-7k3f9q please"), normalised."""
    match = _IN_TEXT.search(message)
    return f"{PREFIX}-{match.group(1).upper()}" if match else None


def reference_code_fragment(text: str) -> str | None:
    """What to look for inside stored codes when a coordinator searches for `text`, or None if it
    cannot be (part of) a code: "PS-7K3" -> "PS-7K3", "ps7k3f9q" -> "7K3F9Q", "7k3" -> "7K3"."""
    whole = normalise_reference_code(text)
    if whole is not None:
        return whole
    typed = text.strip().upper()
    if not _FRAGMENT.fullmatch(typed):
        return None
    return typed if typed.startswith(f"{PREFIX}-") else typed.removeprefix(PREFIX)


def without_reference_codes(text: str) -> str:
    """`text` with every quoted code blanked out, e.g. to tell a message's language by its words alone."""
    return _IN_TEXT.sub(" ", text)


def erasure_code(reference_code: str | None, number: int) -> str:
    """What a coordinator types to confirm an erasure: the reference code, or "#12" for a record without one."""
    return reference_code or f"#{number}"


def confirms_erasure(typed: str, code: str) -> bool:
    """Whether what was typed is `code` (from erasure_code). Case, spaces and dashes do not matter:
    "ps-7k3f9q", "PS7K3F9Q" and "PS-7K3F9Q" all match; a record without a code takes "#12" or "12"."""
    if code.startswith("#"):
        return "".join(ch for ch in typed if ch.isalnum()) == code[1:]
    return normalise_reference_code(typed) == code
