"""The gateway's background work: each message's turn, once, then its replies, in order.

WeChat waits five seconds for the webhook and retries three times, so the webhook only stores the
push and answers "success"; these threads do the rest. Each claims a message from the database
(bot/leads/wechat.py: the oldest unfinished one of its conversation, one worker each), tells the
assistant over the internal REST channel (as the chat page does), stores the replies and sends
them through the customer-service API. What the platform refuses is logged (no personal data),
counted for the health check, and either tried again later (rate limits, the platform down) or
marked undelivered (the 48-hour window closed, the patient unfollowed, the quota): never dropped
silently, never sent twice as a new turn.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import requests

from bot.leads.wechat import ClaimedMessage, PatientState, WechatStore
from bot.settings import Settings
from bot.web.chat.reply_language import tag_languages
from bot.web.wechat.api import WechatApi, WechatError
from bot.web.wechat.inbound import MAX_TEXT_CHARS, resolve
from bot.web.wechat.replies import as_text, as_wechat
from bot.web.wechat.texts import texts_for

log = logging.getLogger(__name__)

RASA_TIMEOUT = (3.0, 30.0)
HOLD_S = 60.0  # a claim outlives the longest turn (Rasa's 30 s) and a send
RETRY_DELAYS_S = (5, 15, 60, 300, 900, 3600)
MAX_SEND_ATTEMPTS = len(RETRY_DELAYS_S) + 1
FINAL = {"window_closed", "unsubscribed"}  # the platform will not take it, later or not
HOLD_FOR_NEXT_MESSAGE_S = 48 * 3600  # over the quota: the rest waits for the patient's next message
SILENT_OK = frozenset({"/restart", "/session_start"})  # as the chat page: Rasa may answer these with nothing


@dataclass
class WorkerConfig:
    rasa_url: str
    quota: int
    menus: bool
    phone: str
    retention_days: int
    threads: int


def worker_config(settings: Settings) -> WorkerConfig:
    return WorkerConfig(settings.rasa_url, settings.wechat_replies_per_message, settings.wechat_menu_messages,
                        settings.study_contact_phone, settings.retention_days, max(1, settings.wechat_senders))


class Worker:
    """Runs turns and sends replies; `wake()` after storing a message, `run_once()` in tests."""

    def __init__(self, config: WorkerConfig, store: WechatStore, api: WechatApi) -> None:
        self.config = config
        self.store = store
        self.api = api
        self.http = requests.Session()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # ----------------------------------------------------------------- threads

    def start(self) -> None:
        for number in range(self.config.threads):
            thread = threading.Thread(target=self._loop, name=f"wechat-worker-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        idle = 0
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:  # noqa: BLE001 - the worker outlives any one message (the database down…)
                log.exception("wechat: worker error")
                worked = False
            if worked:
                idle = 0
                continue
            idle += 1
            if idle % 3000 == 0:  # about hourly at rest
                self._housekeeping()
            self._wake.wait(1.0)
            self._wake.clear()

    def _housekeeping(self) -> None:
        try:
            self.store.housekeeping(self.config.retention_days)
        except Exception:  # noqa: BLE001
            log.exception("wechat: housekeeping failed")

    # ----------------------------------------------------------------- one message

    def run_once(self) -> bool:
        """Claim and handle one message; False when there was none to do."""
        message = self.store.claim(HOLD_S)
        if message is None:
            return False
        if message.status == "at_rasa":
            replies = self._turn(message)
            if not replies:
                self.store.finish(message.id)
                return True
            message.replies, message.sent = replies, 0
        self._send(message)
        return True

    def _turn(self, message: ClaimedMessage) -> list[dict[str, Any]]:
        """Tell the assistant (once) and turn its answer into WeChat messages."""
        state = self.store.patient_state(message.conversation_id)
        resolved = resolve(message.inbound or {}, state.offered_buttons or [])
        rasa_messages: list[dict[str, Any]] = []
        notices: list[str] = []
        language = state.language
        if resolved.to_assistant is not None:
            answered = self._ask_assistant(message.conversation_id, resolved.to_assistant, language)
            if not answered and resolved.to_assistant not in SILENT_OK:
                # no answer at all (Rasa down), or an empty one (its lock store down): the patient is told
                if answered is not None:
                    log.warning("wechat: the assistant sent no reply to a message")
                    self.store.record_problem("assistant_silent")
                notices.append("unavailable")
            else:
                rasa_messages, language = tag_languages(answered or [], language)  # type: ignore[arg-type]
        texts = texts_for(language)
        notices = [*(texts[key].format(phone=self.config.phone, max=MAX_TEXT_CHARS) for key in resolved.notices),
                   *(texts[key].format(phone=self.config.phone) for key in notices)]
        replies, offered = as_wechat(rasa_messages, notices, texts, self.config.quota, self.config.menus,
                                     state.menu_seq + 1)
        changed = None
        if offered is not None or language != state.language:
            changed = PatientState(language, state.offered_buttons if offered is None else offered,
                                   state.menu_seq + 1 if offered else state.menu_seq)
        self.store.save_turn(message.id, message.conversation_id, replies, changed, answered=bool(rasa_messages))
        return replies

    def _ask_assistant(self, conversation_id: str, text: str, language: str) -> list[dict[str, Any]] | None:
        try:
            reply = self.http.post(self.config.rasa_url + "/webhooks/rest/webhook",
                                   json={"sender": conversation_id, "message": text, "metadata": {"lang": language}},
                                   timeout=RASA_TIMEOUT)
            reply.raise_for_status()
            payload = reply.json()
        except (requests.RequestException, ValueError) as error:
            log.warning("wechat: the assistant did not answer (%s)", type(error).__name__)
            self.store.record_problem("assistant_unavailable")
            return None
        return [m for m in payload if isinstance(m, dict)] if isinstance(payload, list) else []

    def _send(self, message: ClaimedMessage) -> None:
        replies = list(message.replies or [])
        sent = message.sent
        while sent < len(replies):
            reply = replies[sent]
            try:
                self.api.send(message.openid, reply)
            except WechatError as error:
                if reply.get("msgtype") == "msgmenu" and error.kind in ("refused",):
                    # the platform would not take a menu here: the same question with numbered choices
                    log.warning("wechat: a menu message was refused (%s); sent as numbered choices", error.code)
                    self.store.record_problem("menu_refused", error.code or "")
                    replies[sent] = as_text(str(reply["fallback"]))
                    self.store.replace_reply(message.id, replies)
                    continue
                self._failed(message, error)
                return
            sent += 1
            if sent < len(replies):
                self.store.mark_sent(message.id, sent)
        self.store.finish(message.id, sent=sent)

    def _failed(self, message: ClaimedMessage, error: WechatError) -> None:
        kind = error.kind
        self.store.record_problem(kind, error.code or "")
        if kind in FINAL or message.attempts >= MAX_SEND_ATTEMPTS:
            log.warning("wechat: message %s undelivered: %s (%s)", message.id, kind, error.code)
            self.store.finish(message.id, status="undelivered", error=f"{kind}:{error.code or ''}")
            return
        if kind == "quota":
            # the platform's quota per patient message is used up (several messages answered at once):
            # the rest is sent, in order, as soon as the patient writes again (accept() wakes it)
            log.warning("wechat: message %s held until the patient writes again (quota, %s)", message.id, error.code)
            self.store.defer(message.id, HOLD_FOR_NEXT_MESSAGE_S, f"{kind}:{error.code or ''}")
            return
        delay = RETRY_DELAYS_S[min(message.attempts - 1, len(RETRY_DELAYS_S) - 1)]
        log.warning("wechat: message %s not sent yet: %s (%s); trying again in %d s",
                    message.id, kind, error.code, delay)
        self.store.defer(message.id, delay, f"{kind}:{error.code or ''}")
