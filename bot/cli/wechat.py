"""`prescreen wechat check | menu`: the WeChat official account from the command line.

    prescreen wechat check            the settings, and a token fetched from the platform
    prescreen wechat menu [--lang zh] [--print]   set the account menu (start, delete my answers, call the team)
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.languages import LANGUAGES, STUDY_TEAM_LANGUAGE
from bot.leads.crypto import FieldCipher
from bot.leads.database import Database
from bot.leads.wechat import WechatStore
from bot.settings import Settings, get_settings
from bot.web.wechat import ApiConfig, WechatApi, WechatError, aes_key, texts_for

MENU_KEYS = {"menu_start": "PRESCREEN_START", "menu_delete": "PRESCREEN_DELETE", "menu_call": "PRESCREEN_CALL"}
MAX_MENU_NAME_BYTES = 16  # the platform's limit for a top-level menu button


def account_menu(lang: str) -> dict[str, Any]:
    """The account menu: three buttons whose taps reach the assistant as the chat page's payloads."""
    texts = texts_for(lang)
    buttons = [{"type": "click", "name": texts[name], "key": key} for name, key in MENU_KEYS.items()]
    for button in buttons:
        if len(button["name"].encode()) > MAX_MENU_NAME_BYTES:
            raise ValueError(f"the menu button {button['name']!r} is longer than WeChat's 16 bytes")
    return {"button": buttons}


def _api(settings: Settings) -> WechatApi:
    if not settings.wechat_enabled:
        raise ValueError("the WeChat channel is off: set WECHAT_TOKEN, WECHAT_APP_ID and WECHAT_APP_SECRET in .env")
    store = WechatStore(Database(settings.database_url), FieldCipher(settings.data_key, settings.old_data_keys))
    return WechatApi(ApiConfig(settings.wechat_api_base, settings.wechat_app_id, settings.wechat_app_secret), store)


def cmd_wechat_check(args: argparse.Namespace) -> int:
    settings = get_settings()
    problems = []
    print(f"WECHAT_APP_ID      {settings.wechat_app_id or '(not set)'}")
    for name, value in (("WECHAT_TOKEN", settings.wechat_token), ("WECHAT_APP_SECRET", settings.wechat_app_secret)):
        print(f"{name:<18} {'set' if value else '(not set)'}")
        if not value:
            problems.append(f"{name} is not set")
    if settings.wechat_aes_key:
        try:
            aes_key(settings.wechat_aes_key)
            print("WECHAT_AES_KEY     set: safe mode (messages encrypted)")
        except ValueError as error:
            problems.append(str(error))
    else:
        print("WECHAT_AES_KEY     (not set): plain mode; safe mode is recommended")
    print(f"WECHAT_API_BASE    {settings.wechat_api_base}")
    print(f"WECHAT_ID_KEY      {'set' if settings.wechat_id_key else '(not set): derived from PRESCREEN_DATA_KEY'}")
    if not problems:
        try:
            api = _api(settings)
            api.access_token()
            _, expires_at, _ = api.store.token(settings.wechat_app_id)
            print(f"access token       ok (valid until {expires_at:%Y-%m-%d %H:%M} UTC)")
        except WechatError as error:
            problems.append(f"no access token: {error}. Check the AppID, the AppSecret and the API IP allow-list "
                            "(IP白名单) of the official account")
    for problem in problems:
        print(f"prescreen: {problem}", file=sys.stderr)
    print("The WeChat channel is ready." if not problems else "The WeChat channel is NOT ready.")
    return 0 if not problems else 1


def cmd_wechat_menu(args: argparse.Namespace) -> int:
    menu = account_menu(args.lang)
    if args.print:
        print(json.dumps(menu, ensure_ascii=False, indent=2))
        return 0
    try:
        _api(get_settings()).create_menu(menu)
    except WechatError as error:
        print(f"prescreen: the menu was not set: {error}", file=sys.stderr)
        return 1
    print("The account menu is set: " + " | ".join(button["name"] for button in menu["button"]))
    return 0


def add_wechat_commands(groups: argparse._SubParsersAction) -> None:
    wechat = groups.add_parser("wechat", help="the WeChat official account").add_subparsers(dest="command",
                                                                                           required=True)
    wechat.add_parser("check", help="check the settings and fetch an access token").set_defaults(run=cmd_wechat_check)
    menu = wechat.add_parser("menu", help="set the account menu through the platform's API")
    menu.add_argument("--lang", choices=LANGUAGES, default=STUDY_TEAM_LANGUAGE,
                      help=f"the menu's language (default {STUDY_TEAM_LANGUAGE})")
    menu.add_argument("--print", action="store_true", help="print the menu instead of setting it")
    menu.set_defaults(run=cmd_wechat_menu)
