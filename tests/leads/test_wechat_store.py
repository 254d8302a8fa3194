"""The WeChat channel's rows in the lead store (SQLite, and PostgreSQL marked `postgres`): the OpenID
goes with the lead (erasure, withdrawal before any lead, retention purge), a push is queued once, and
the token is refreshed by one worker at a time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import update

from bot.leads.crypto import FieldCipher
from bot.leads.models import Screening
from bot.leads.retention import purge
from bot.leads.store import ContactDetails, LeadStore
from bot.leads.wechat import WechatStore
from tests.conftest import TEST_KEY
from tests.web.coordinator.seed import ELIGIBLE, seed_lead


def channel(store: LeadStore) -> WechatStore:
    return WechatStore(store.database, FieldCipher(TEST_KEY))


def test_the_openid_goes_with_erasure_withdrawal_and_the_purge(store: LeadStore, tmp_path: Path) -> None:
    wechat = channel(store)
    for conversation in ("wx-erased", "wx-early", "wx-purged", "wx-kept"):
        wechat.remember_patient(conversation, f"o-{conversation}")
    seed_lead(store, "wx-erased", ContactDetails("Li Wei", "+8613812345678"), ELIGIBLE)
    assert store.erase_conversation("wx-erased", actor="patient")
    assert not store.erase_conversation("wx-early", actor="patient")  # withdrew before consenting: no lead
    seed_lead(store, "wx-purged", ContactDetails("Wang Fang", "+8613912345678"), ELIGIBLE)
    with store.database.transaction() as session:
        session.execute(update(Screening).values(started_at=datetime.now(timezone.utc) - timedelta(days=400)))
    assert purge(store, 180, "cli:test", f"sqlite:///{tmp_path / 'tracker.db'}").purged == ["wx-purged"]
    assert [wechat.openid_of(c) for c in ("wx-erased", "wx-early", "wx-purged", "wx-kept")] == \
        [None, None, None, "o-wx-kept"]


def test_a_push_is_queued_once_and_claimed_once(store: LeadStore) -> None:
    wechat = channel(store)
    assert wechat.accept("key-1", "wx-a", "o-a", {"kind": "text", "text": "你好"})
    assert not wechat.accept("key-1", "wx-a", "o-a", {"kind": "text", "text": "你好"})
    assert wechat.accept("key-2", "wx-a", "o-a", {"kind": "text", "text": "第二条"})
    first = wechat.claim(60)
    assert first is not None and first.inbound == {"kind": "text", "text": "你好"} and first.openid == "o-a"
    assert wechat.claim(60) is None  # the second waits for the first: the patient's order
    wechat.finish(first.id)
    second = wechat.claim(60)
    assert second is not None and second.inbound == {"kind": "text", "text": "第二条"}


def test_one_refresh_at_a_time(store: LeadStore) -> None:
    wechat = channel(store)
    assert wechat.begin_refresh("wxapp", 0, 30)
    assert not wechat.begin_refresh("wxapp", 0, 30)  # another worker: wait
    wechat.store_token("wxapp", "token-1", 7200)
    token, expires_at, generation = wechat.token("wxapp")
    assert token == "token-1" and generation == 1 and expires_at is not None
    assert not wechat.begin_refresh("wxapp", 0, 30)  # refreshed since this worker looked
    assert wechat.begin_refresh("wxapp", 1, 30)


def test_a_key_rotation_takes_the_openids_the_queue_and_the_token(store: LeadStore) -> None:
    from bot.leads.crypto import new_key
    from bot.leads.retention import rotate_keys

    wechat = channel(store)
    wechat.remember_patient("wx-a", "o-a")
    assert wechat.accept("key-1", "wx-a", "o-a", {"kind": "text", "text": "你好"})
    assert wechat.begin_refresh("wxapp", 0, 30)
    wechat.store_token("wxapp", "token-1", 7200)
    key = new_key()
    rotate_keys(store, FieldCipher(key, old_keys=(TEST_KEY,)))
    rotated = WechatStore(store.database, FieldCipher(key))  # the old key is gone
    assert rotated.openid_of("wx-a") == "o-a" and rotated.token("wxapp")[0] == "token-1"
    claimed = rotated.claim(60)
    assert claimed is not None and claimed.openid == "o-a" and claimed.inbound == {"kind": "text", "text": "你好"}
