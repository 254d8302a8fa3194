"""WeChat's signatures, safe mode and XML: the rules as the platform states them, and hostile input."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.web.wechat.protocol import (
    ProtocolError,
    aes_key,
    build_xml,
    decrypt,
    encrypt,
    parse_xml,
    signature,
    signature_ok,
)

KEY = aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
APP_ID = "wxb11529c136998cb6"


def test_signature_is_sha1_of_the_sorted_parts() -> None:
    expected = hashlib.sha1("".join(sorted(["pamtest", "1409304348", "xxxxxx"])).encode()).hexdigest()
    assert signature("pamtest", "1409304348", "xxxxxx") == expected
    assert signature("xxxxxx", "pamtest", "1409304348") == expected  # the order given does not matter
    assert signature_ok(("pamtest", "1409304348", "xxxxxx"), expected.upper())
    assert not signature_ok(("pamtest", "1409304348", "xxxxxy"), expected)
    assert not signature_ok(("pamtest", "1409304348", "xxxxxx"), None)


def test_safe_mode_round_trip_and_its_layout() -> None:
    message = build_xml({"ToUserName": "gh_1", "FromUserName": "oPatient", "Content": "我今年六十八岁"})
    encrypted = encrypt(message, KEY, APP_ID, random_prefix=b"0123456789abcdef")
    assert decrypt(encrypted, KEY, APP_ID) == message
    # raw AES-256-CBC with IV = key[:16]: random(16) + length(4, big-endian) + message + AppID, PKCS#7 to 32
    decryptor = Cipher(algorithms.AES(KEY), modes.CBC(KEY[:16])).decryptor()
    body = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    assert len(body) % 32 == 0
    pad = body[-1]
    assert body[-pad:] == bytes([pad]) * pad and 1 <= pad <= 32
    assert body[:16] == b"0123456789abcdef"
    assert struct.unpack(">I", body[16:20])[0] == len(message.encode())
    assert body[:-pad].endswith(APP_ID.encode())


def test_safe_mode_refuses_another_app_and_tampering() -> None:
    encrypted = encrypt("<xml><A>1</A></xml>", KEY, "wxsomeoneelse00000")
    with pytest.raises(ProtocolError, match="AppID"):
        decrypt(encrypted, KEY, APP_ID)
    good = base64.b64decode(encrypt("<xml><A>1</A></xml>", KEY, APP_ID))
    tampered = base64.b64encode(good[:-1] + bytes([good[-1] ^ 1])).decode()
    with pytest.raises(ProtocolError):
        decrypt(tampered, KEY, APP_ID)
    with pytest.raises(ProtocolError):
        decrypt("not base64 at all!", KEY, APP_ID)


def test_a_wrong_aes_key_setting_says_so() -> None:
    with pytest.raises(ValueError, match="EncodingAESKey"):
        aes_key("short")


def test_xml_fields_are_read_with_cdata() -> None:
    fields = parse_xml("<xml><ToUserName><![CDATA[gh_1]]></ToUserName><MsgType><![CDATA[text]]></MsgType>"
                       "<Content><![CDATA[是的 <b>]]></Content><MsgId>1234567890123456</MsgId></xml>")
    assert fields == {"ToUserName": "gh_1", "MsgType": "text", "Content": "是的 <b>", "MsgId": "1234567890123456"}


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><Content>&lol3;</Content></xml>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY secret SYSTEM "file:///etc/passwd">]><xml><Content>&secret;</Content></xml>"""
DTD_ONLY = """<?xml version="1.0"?><!DOCTYPE xml SYSTEM "http://127.0.0.1:1/evil.dtd"><xml><A>1</A></xml>"""


@pytest.mark.parametrize("hostile", [BILLION_LAUGHS, EXTERNAL_ENTITY, DTD_ONLY, "<xml><A>1</A>", "", "<html/>",
                                     "\x00\x01binary"])
def test_hostile_or_broken_xml_is_refused(hostile: str) -> None:
    with pytest.raises(ProtocolError):
        parse_xml(hostile)
