"""Serve the WeChat gateway alone: `python -m bot.web.wechat` (waitress, settings.chat_host:wechat_port).

Usually the chat page's server carries the webhook; run this for a second gateway worker, or to
keep the channel in a process of its own.
"""

from __future__ import annotations

import sys

from bot.settings import get_settings
from bot.web.serving import configure_logging, serve, shown_host
from bot.web.wechat.app import WEBHOOK_PATH, create_app


def main() -> int:
    configure_logging()
    settings = get_settings()
    if not settings.wechat_enabled:
        print("The WeChat channel is off: set WECHAT_TOKEN, WECHAT_APP_ID and WECHAT_APP_SECRET.", file=sys.stderr)
        return 2
    app = create_app(settings)
    print(f"Prescreen WeChat gateway: http://{shown_host(settings.chat_host)}:{settings.wechat_port}{WEBHOOK_PATH}",
          flush=True)
    serve(app, host=settings.chat_host, port=settings.wechat_port, ident="prescreen-wechat")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
