"""Encryption at rest for contact details, and blind indexes so they can still be searched."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class MissingKeyError(RuntimeError):
    """No data key configured: contact details cannot be stored or read."""


def new_key() -> str:
    """A fresh key for PRESCREEN_DATA_KEY."""
    return Fernet.generate_key().decode()


class FieldCipher:
    """Encrypts single fields with the current key; decrypts with the current or any old key."""

    def __init__(self, key: str, old_keys: tuple[str, ...] = ()) -> None:
        if not key:
            raise MissingKeyError(
                "PRESCREEN_DATA_KEY is not set. Run `make env` (or `prescreen keys new`) and put the "
                "key in .env; keep it secret and backed up, or stored contact details cannot be read."
            )
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in (key, *old_keys)])
        except ValueError as error:
            raise MissingKeyError(f"A data key is not a valid Fernet key: {error}") from error
        # The search index uses its own key derived from the data key, never the key itself.
        self._index_key = hashlib.sha256(b"prescreen-blind-index:" + base64.urlsafe_b64decode(key)).digest()
        # The name search's hashes of letters and pairs of letters (bot/leads/name_search.py): a key of their own.
        self._gram_key = hashlib.sha256(b"prescreen-name-grams:" + base64.urlsafe_b64decode(key)).digest()

    def encrypt(self, value: str | None) -> str | None:
        if value is None:
            return None
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as error:
            raise MissingKeyError("Stored contact details cannot be decrypted with the configured keys.") from error

    def rotate(self, token: str | None) -> str | None:
        """Re-encrypt a token under the current key."""
        return None if token is None else self._fernet.rotate(token.encode()).decode()

    def blind_index(self, value: str | None) -> str | None:
        """A keyed hash of a normalised value: equal inputs match, the value cannot be read back."""
        if not value:
            return None
        normal = "".join(value.lower().split())
        return hmac.new(self._index_key, normal.encode(), hashlib.sha256).hexdigest()

    def gram_index(self, gram: str) -> str:
        """A keyed hash of one or two characters of a name, cut to 16 hex digits (bot/leads/name_search.py)."""
        return hmac.new(self._gram_key, gram.encode(), hashlib.sha256).hexdigest()[:16]
