"""Handing a message over: SMTP (STARTTLS, implicit TLS or plain) and an HTTP webhook."""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from bot.notify.config import NotifyConfig

SEND_TIMEOUT_S = 20  # the notifier is its own process: a slow server delays only the outbox


class DeliveryError(Exception):
    """A message was not accepted; the text is stored as the attempt's error."""


def tls_context(config: NotifyConfig) -> ssl.SSLContext:
    """Certificates checked as a browser would: against SMTP_CA_FILE when set (a hospital's own
    authority), else the system's list; the host name must match."""
    return ssl.create_default_context(cafile=config.smtp_ca_file or None)


def send_email(config: NotifyConfig, subject: str, body: str) -> None:
    """Send one plain-text e-mail to every recipient; raises DeliveryError when it is not accepted."""
    server = config.smtp
    if server is None:
        raise DeliveryError("SMTP_URL is not set")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config.email_from
    message["To"] = ", ".join(config.email_to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config.email_from.rpartition("@")[2] or None)
    message.set_content(body)
    context = tls_context(config)
    try:
        if server.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=SEND_TIMEOUT_S, context=context)
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=SEND_TIMEOUT_S)
        try:
            client.ehlo()
            if server.security == "starttls" and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            elif server.security == "starttls" and server.username:
                raise DeliveryError(
                    f"{server.host}:{server.port} does not offer STARTTLS: the password is not sent unencrypted "
                    "(use smtps://…:465, or a server that offers STARTTLS)"
                )
            if server.username:
                client.login(server.username, server.password)
            client.send_message(message)
        finally:
            _hang_up(client)
    except ssl.SSLCertVerificationError as error:
        raise DeliveryError(
            f"SMTP {server.host}:{server.port}: the server's certificate is not trusted ({error.verify_message}). "
            "If the mail server uses the hospital's own certificate authority, set SMTP_CA_FILE to that "
            "authority's certificate (PEM)."
        ) from error
    except smtplib.SMTPAuthenticationError as error:
        reply = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        raise DeliveryError(
            f"SMTP {server.host}:{server.port} refused the login ({error.smtp_code} {reply}): check the user name "
            "and password in SMTP_URL"
        ) from error
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"SMTP {server.host}:{server.port}: {type(error).__name__}: {error}") from error


def _hang_up(client: smtplib.SMTP) -> None:
    """QUIT politely, ignoring what goes wrong: the message was accepted or the real error is already raised
    (after a failed TLS handshake the QUIT itself fails, and must not hide why)."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def post_webhook(config: NotifyConfig, body: str) -> None:
    """POST the JSON body; a WeCom robot answers 200 with an errcode, which must be 0."""
    request = urllib.request.Request(
        config.webhook_url, data=body.encode("utf-8"), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT_S) as response:
            reply = response.read(4096)
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"webhook answered HTTP {error.code} {error.reason}") from error
    except (urllib.error.URLError, OSError) as error:
        raise DeliveryError(f"webhook unreachable: {getattr(error, 'reason', error)}") from error
    if config.webhook_format == "wecom":
        try:
            errcode = json.loads(reply or b"{}").get("errcode", 0)
        except ValueError:
            errcode = None
        if errcode != 0:
            raise DeliveryError(f"WeCom robot refused the message: {reply[:300].decode('utf-8', 'replace')}")
