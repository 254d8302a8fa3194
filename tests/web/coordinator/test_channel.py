"""Where each lead came from: the lead page names the channel, the metrics page counts leads per channel."""

from __future__ import annotations

from datetime import datetime, timezone

from flask.testing import FlaskClient

from bot.leads.crypto import FieldCipher
from bot.leads.store import ContactDetails, LeadStore
from bot.leads.wechat import WechatStore
from tests.conftest import TEST_KEY
from tests.web.coordinator.seed import ELIGIBLE, seed_lead

DONE = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)


def test_lead_page_and_metrics_show_the_channel(client: FlaskClient, app_store: LeadStore) -> None:
    web = seed_lead(app_store, "conv-web", ContactDetails("Li Wei", "+8613812345678"), ELIGIBLE, completed_at=DONE)
    wechat = seed_lead(app_store, "wx-0123456789abcdef", ContactDetails("Wang Fang", "+8613912345678"), ELIGIBLE,
                       completed_at=DONE)
    seed_lead(app_store, "wx-fedcba9876543210", None, ELIGIBLE, completed_at=DONE)
    channels = WechatStore(app_store.database, FieldCipher(TEST_KEY))
    channels.mark_channel("wx-0123456789abcdef")
    channels.mark_channel("wx-fedcba9876543210")
    assert app_store.get_lead(web).channel == "web" and app_store.get_lead(wechat).channel == "wechat"
    assert app_store.lead_counts().per_channel == (("web", 1, 1), ("wechat", 2, 1))
    assert "Came through: WeChat official account" in client.get(f"/leads/{wechat}").get_data(as_text=True)
    assert "Came through: Web chat page" in client.get(f"/leads/{web}").get_data(as_text=True)
    page = client.get("/insights/metrics").get_data(as_text=True)
    assert "Leads per channel" in page and "WeChat official account" in page
