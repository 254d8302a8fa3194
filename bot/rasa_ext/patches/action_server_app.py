"""The action server's failed calls counted per action, on the app rasa-sdk builds.

rasa-sdk: `rasa_sdk.endpoint.run` builds its Sanic app with `rasa_sdk.endpoint.create_app(...)`; an
action that raises or does not exist is answered with HTTP 4xx/5xx and only logged.
Patch: `create_app` is wrapped: the app it returns gets a response middleware that counts every
/webhook answer of 400 or more in bot/monitoring/metrics.py's ACTION_ERRORS, labelled with the action's
name from the domain (anything else is "other": no patient text becomes a label).
Safe: the app and every answer are rasa-sdk's own; the middleware only reads the request and the status.
Fenced to the rasa-sdk version it was read against (fence.SDK_WRITTEN_FOR).
"""

from __future__ import annotations

from typing import Any

from bot.rasa_ext.patches import fence

SDK_VERSIONS = fence.SDK_WRITTEN_FOR
REPLACES = ("rasa_sdk.endpoint.create_app",)


def count_errors(app: Any) -> None:
    """Count the failed /webhook answers of a Sanic app in ACTION_ERRORS, per action name."""
    from sanic.request import Request
    from sanic.response import HTTPResponse

    from bot.monitoring.metrics import ACTION_ERRORS, action_label

    @app.middleware("response")
    async def count_failed_calls(request: Request, response: HTTPResponse) -> None:
        if request.path == "/webhook" and response.status >= 400:
            try:
                body = request.json if request.body else None
            except Exception:  # noqa: BLE001 - a body that is not JSON: counted as "other"
                body = None
            ACTION_ERRORS.labels(action_label((body or {}).get("next_action"))).inc()


def apply() -> bool:
    """Wrap rasa-sdk's app factory (once); False (and nothing changed) on a rasa-sdk it was not written for."""
    if not fence.allows(f"{__name__} was", SDK_VERSIONS, package="rasa_sdk"):
        return False
    owner, name = fence.resolve(REPLACES[0])
    if fence.patched_by(owner, name) == __name__:
        return True
    create_app = fence.raw(owner, name)

    def create_counted_app(*args: Any, **kwargs: Any) -> Any:
        app = create_app(*args, **kwargs)
        count_errors(app)
        return app

    fence.replace(owner, name, create_counted_app, __name__)
    return True
