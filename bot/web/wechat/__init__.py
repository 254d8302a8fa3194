"""The WeChat official-account channel: a gateway in the web tier (docs/architecture.md, README "WeChat").

  protocol.py  signatures, safe mode (AES), XML read safely
  inbound.py   what a push says: text, voice, a menu tap, an event, something the assistant cannot read
  replies.py   the assistant's messages as WeChat messages: menus or numbered choices, within the quota
  speech.py    where voice becomes text (WeChat's Recognition; the hospital's own service later)
  api.py       the platform's API: the shared access token, customer-service messages, the account menu
  worker.py    runs each message's turn once and sends its replies in order, in the background
  app.py       the webhook (a Flask blueprint) and the gateway's own app

What the command line may use (`prescreen wechat check | menu`): the platform's client and the gateway's
words, from this package and none of its modules (tests/test_layers.py).
"""

from bot.web.wechat.api import ApiConfig, WechatApi, WechatError
from bot.web.wechat.protocol import aes_key
from bot.web.wechat.texts import texts_for

__all__ = ["ApiConfig", "WechatApi", "WechatError", "aes_key", "texts_for"]
