"""The WeChat webhook: `/webhooks/wechat/webhook` (a Flask blueprint), and the gateway's own app.

  GET   the platform's verification handshake: echo `echostr` when the signature is right
  POST  a patient's message or an event: checked (timestamp, signature, safe mode's msg_signature and
        AppID), read safely, stored once (the MsgId is unique in the database), answered "success"
        at once; the background worker (worker.py) runs the turn and sends the replies.
  GET /webhooks/wechat/health   {"ok": true, "enabled": bool}

Anything refused (a bad signature, a stale timestamp, unreadable or oversized XML) is refused here,
before the database and long before Rasa. The chat page's server mounts the blueprint when the
channel is configured (`python -m bot.web.chat`); `python -m bot.web.wechat` serves it alone.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from bot.leads.crypto import FieldCipher
from bot.leads.database import Database
from bot.leads.wechat import WechatStore
from bot.settings import Settings, get_settings
from bot.web.wechat.api import ApiConfig, WechatApi
from bot.web.wechat.identity import conversation_id_for, id_key
from bot.web.wechat.inbound import dedupe_key, read_push
from bot.web.wechat.protocol import ProtocolError, aes_key, decrypt, parse_xml, signature_ok
from bot.web.wechat.speech import PlatformRecognition, SpeechToText
from bot.web.wechat.worker import Worker, worker_config

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024  # WeChat's pushes are well under 2 KB; anything bigger is not from it
MAX_CLOCK_SKEW_S = 300
WEBHOOK_PATH = "/webhooks/wechat/webhook"


@dataclass
class Gateway:
    """What the webhook needs, built once from the settings."""

    settings: Settings
    store: WechatStore
    worker: Worker
    speech: SpeechToText
    aes: bytes | None
    id_key: bytes


def build_gateway(settings: Settings, speech: SpeechToText | None = None, start_worker: bool = True) -> Gateway:
    if not settings.wechat_enabled:
        raise ValueError("the WeChat channel is off: set WECHAT_TOKEN, WECHAT_APP_ID and WECHAT_APP_SECRET")
    cipher = FieldCipher(settings.data_key, settings.old_data_keys)
    store = WechatStore(Database(settings.database_url), cipher)
    api = WechatApi(ApiConfig(settings.wechat_api_base, settings.wechat_app_id, settings.wechat_app_secret), store)
    worker = Worker(worker_config(settings), store, api)
    if start_worker:
        worker.start()
    return Gateway(settings, store, worker, speech or PlatformRecognition(),
                   aes_key(settings.wechat_aes_key) if settings.wechat_aes_key else None, id_key(settings))


def _refuse(status: int, why: str) -> Response:
    log.warning("wechat: push refused: %s", why)  # never the push's content
    return Response(why, status=status, mimetype="text/plain")


def make_blueprint() -> Blueprint:
    blueprint = Blueprint("wechat", __name__)

    def gateway() -> Gateway:
        gw: Gateway = current_app.extensions["wechat_gateway"]
        return gw

    def signed(gw: Gateway) -> str | None:
        """Why the request is not WeChat's (a stale timestamp, a bad signature), or None."""
        timestamp, nonce = request.args.get("timestamp", ""), request.args.get("nonce", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW_S:
            return "stale or missing timestamp"
        if not signature_ok((gw.settings.wechat_token, timestamp, nonce), request.args.get("signature")):
            return "bad signature"
        return None

    @blueprint.get("/webhooks/wechat/health")
    def health() -> Response:
        return jsonify({"ok": True, "enabled": True})

    @blueprint.get(WEBHOOK_PATH)
    def verify() -> Response:
        problem = signed(gateway())
        if problem:
            return _refuse(403, problem)
        return Response(request.args.get("echostr", ""), mimetype="text/plain")

    @blueprint.post(WEBHOOK_PATH)
    def receive() -> Response:
        gw = gateway()
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return _refuse(413, "too large")
        problem = signed(gw)
        if problem:
            return _refuse(403, problem)
        body = request.get_data(cache=False)
        if len(body) > MAX_BODY_BYTES:
            return _refuse(413, "too large")
        try:
            fields = parse_xml(body)
            if gw.aes is not None:
                encrypted = fields.get("Encrypt", "")
                args = request.args
                if not encrypted or not signature_ok(
                        (gw.settings.wechat_token, args.get("timestamp", ""), args.get("nonce", ""), encrypted),
                        args.get("msg_signature")):
                    return _refuse(403, "bad msg_signature")
                fields = parse_xml(decrypt(encrypted, gw.aes, gw.settings.wechat_app_id))
        except ProtocolError as error:
            return _refuse(400, str(error))
        openid = fields.get("FromUserName", "")
        if not openid or len(openid) > 128:
            return _refuse(400, "no sender")
        push = read_push(fields, gw.speech)
        conversation = conversation_id_for(openid, gw.id_key)
        try:
            accepted = gw.store.accept(dedupe_key(fields, gw.id_key), conversation, openid, push,
                                       remember=push["kind"] != "ignore")
        except SQLAlchemyError as error:
            # not stored: anything but "success" makes WeChat push it again (and the key keeps it single)
            log.error("wechat: a push could not be stored (%s); WeChat will retry it", type(error).__name__)
            gw.store.record_problem("database")
            return Response("retry", status=503, mimetype="text/plain")
        if accepted:
            gw.worker.wake()
        else:
            log.info("wechat: a push came again (a retry or a replay): answered, not repeated")
        return Response("success", mimetype="text/plain")  # WeChat's "received; replies follow"

    return blueprint


def install(app: Flask, settings: Settings, speech: SpeechToText | None = None, start_worker: bool = True) -> Gateway:
    """Mount the webhook on `app` and start the background worker."""
    gw = build_gateway(settings, speech, start_worker)
    app.extensions["wechat_gateway"] = gw
    app.register_blueprint(make_blueprint())
    return gw


def create_app(settings: Settings | None = None, speech: SpeechToText | None = None,
               start_worker: bool = True) -> Flask:
    """The gateway alone (`python -m bot.web.wechat`): the webhook and its worker, nothing else."""
    settings = settings or get_settings()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    install(app, settings, speech, start_worker)

    @app.errorhandler(413)
    def too_large(_error: Exception) -> Response:
        return _refuse(413, "too large")

    return app

