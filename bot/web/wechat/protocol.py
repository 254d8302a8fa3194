"""WeChat's message protocol: signatures, safe mode (AES), and XML read without entities.

The official account's server configuration gives three secrets: the Token (signatures), the
EncodingAESKey (safe mode) and the AppID (checked at the end of every decrypted message). The rules,
from WeChat's developer documentation (消息加解密说明):

- signature     = sha1 of the sorted, concatenated token, timestamp and nonce (GET handshake, every POST)
- msg_signature = sha1 of the sorted token, timestamp, nonce and the Encrypt text (safe mode)
- AES key       = base64(EncodingAESKey + "="), 32 bytes; AES-256-CBC with IV = the key's first 16 bytes
- plaintext     = 16 random bytes + the message length (4 bytes, big-endian) + message + AppID,
                  padded PKCS#7 to a multiple of 32 (not AES's 16)

The stand-in (tools/wechat_standin.py) uses the same functions to sign and encrypt its pushes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import xml.etree.ElementTree as ET  # noqa: S405 - only to build XML; reading goes through defusedxml
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring

PAD_BLOCK = 32


class ProtocolError(ValueError):
    """A push that is not from WeChat or not readable: refused before anything else happens."""


def signature(*parts: str) -> str:
    """WeChat's signature: sha1 of the parts sorted and joined."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 - the platform's scheme


def signature_ok(expected_parts: tuple[str, ...], given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(signature(*expected_parts), str(given).lower())


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte key of an EncodingAESKey (43 base64 characters)."""
    try:
        key = base64.b64decode(encoding_aes_key + "=")
    except ValueError as error:
        raise ValueError("WECHAT_AES_KEY is not an EncodingAESKey (43 letters and digits)") from error
    if len(key) != 32:
        raise ValueError("WECHAT_AES_KEY is not an EncodingAESKey (43 letters and digits)")
    return key


def encrypt(plain_xml: str, key: bytes, app_id: str, random_prefix: bytes | None = None) -> str:
    """Encrypt a message as WeChat does (base64 text for the Encrypt element)."""
    message = plain_xml.encode()
    body = (random_prefix or os.urandom(16)) + struct.pack(">I", len(message)) + message + app_id.encode()
    pad = PAD_BLOCK - len(body) % PAD_BLOCK
    body += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(body) + encryptor.finalize()).decode()


def decrypt(encrypted: str, key: bytes, app_id: str) -> str:
    """The message inside an Encrypt element; ProtocolError if it is not for this AppID or not readable."""
    try:
        raw = base64.b64decode(encrypted, validate=True)
    except ValueError as error:
        raise ProtocolError("Encrypt is not base64") from error
    if not raw or len(raw) % 16:
        raise ProtocolError("Encrypt has a wrong length")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    body = decryptor.update(raw) + decryptor.finalize()
    pad = body[-1]
    if not 1 <= pad <= PAD_BLOCK or body[-pad:] != bytes([pad]) * pad:
        raise ProtocolError("bad padding")
    body = body[:-pad]
    if len(body) < 20:
        raise ProtocolError("too short")
    (length,) = struct.unpack(">I", body[16:20])
    message, tail = body[20:20 + length], body[20 + length:]
    if len(message) != length or not hmac.compare_digest(tail, app_id.encode()):
        raise ProtocolError("not for this AppID")
    try:
        return message.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError("not UTF-8") from error


def parse_xml(text: str | bytes) -> dict[str, str]:
    """The fields of a flat WeChat message (`<xml><Field>value</Field>…</xml>`), read safely:
    no DTD, no entities, no external references (defusedxml refuses them)."""
    try:
        root = safe_fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ET.ParseError, ValueError) as error:
        raise ProtocolError(f"unreadable XML ({type(error).__name__})") from error
    if root.tag != "xml":
        raise ProtocolError("not a WeChat message")
    return {child.tag: (child.text or "").strip() for child in root if len(child) == 0}


def build_xml(fields: dict[str, Any]) -> str:
    """A flat WeChat message (what the platform pushes; used by the stand-in and the tests)."""
    root = ET.Element("xml")
    for name, value in fields.items():
        ET.SubElement(root, name).text = str(value)
    return ET.tostring(root, encoding="unicode")


def encrypted_envelope(plain_xml: str, key: bytes, app_id: str, to_user: str) -> str:
    """The body of a safe-mode push: the encrypted message with the account's id."""
    return build_xml({"ToUserName": to_user, "Encrypt": encrypt(plain_xml, key, app_id)})
