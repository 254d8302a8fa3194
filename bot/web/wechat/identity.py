"""The conversation id of a WeChat patient: a keyed hash of the OpenID, so Rasa's tracker, the lead
store and the logs never see the OpenID itself, and the same patient always finds their conversation."""

from __future__ import annotations

import base64
import hashlib
import hmac

from bot.settings import Settings

PREFIX = "wx-"


def id_key(settings: Settings) -> bytes:
    """WECHAT_ID_KEY, or a key derived from the data key (never the data key itself)."""
    if settings.wechat_id_key:
        return hashlib.sha256(b"prescreen-wechat-id:" + settings.wechat_id_key.encode()).digest()
    if not settings.data_key:
        raise ValueError("the WeChat channel needs WECHAT_ID_KEY or PRESCREEN_DATA_KEY")
    return hashlib.sha256(b"prescreen-wechat-id:" + base64.urlsafe_b64decode(settings.data_key)).digest()


def conversation_id_for(openid: str, key: bytes) -> str:
    return PREFIX + hmac.new(key, openid.encode(), hashlib.sha256).hexdigest()[:40]
