"""The pipeline's rules (bot/leads/pipeline.py) as tables, with a fixed clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from bot.leads.pipeline import (
    Attempt,
    LeadState,
    PipelineError,
    Urgency,
    as_utc,
    automatic_note,
    callback_due,
    check_attempt,
    check_callback,
    check_status_change,
    criteria_list,
    criteria_text,
    is_overdue,
    needs_action,
    needs_action_key,
    overdue_for,
    status_after_attempt,
    urgency,
)

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
HOURS = 24
NEW_LEAD = LeadState(review_status="new", completed_at=NOW - timedelta(hours=1), has_contact=True,
                     first_attempt_at=None, last_attempt_at=None, callback_at=None, visit_at=None)


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


def tries(*outcomes: str) -> list[Attempt]:
    return [Attempt(ago(hours=len(outcomes) - n), "phone", outcome) for n, outcome in enumerate(outcomes)]


@pytest.mark.parametrize(
    ("completed", "state", "overdue"),
    [
        (ago(hours=23, minutes=59), {}, False),
        (ago(hours=24, minutes=1), {}, True),
        (ago(hours=24), {}, False),  # at the deadline itself, not yet past it
        (ago(hours=48), {"first_attempt_at": ago(hours=30), "last_attempt_at": ago(hours=30)}, False),
        (ago(hours=48), {"has_contact": False}, False),  # nobody to call
        (ago(hours=48), {"review_status": "contacted"}, False),
        (ago(hours=48), {"review_status": "withdrawn"}, False),
    ],
)
def test_overdue_only_past_the_deadline_and_never_tried(completed: datetime, state: dict[str, object],
                                                        overdue: bool) -> None:
    lead = replace(NEW_LEAD, completed_at=completed, **state)  # type: ignore[arg-type]
    assert is_overdue(lead, NOW, HOURS) is overdue
    assert (overdue_for(lead, NOW, HOURS) is not None) is overdue


def test_overdue_for_says_how_long() -> None:
    lead = replace(NEW_LEAD, completed_at=ago(hours=29))
    assert overdue_for(lead, NOW, HOURS) == timedelta(hours=5)


@pytest.mark.parametrize(
    ("callback", "last_attempt", "status", "due"),
    [
        (ago(minutes=1), None, "contacted", True),
        (NOW, None, "new", True),
        (NOW + timedelta(minutes=1), None, "contacted", False),  # not yet
        (ago(hours=2), ago(hours=1), "contacted", False),  # called since it was due
        (ago(hours=1), ago(hours=2), "contacted", True),  # the last try was before the call-back time
        (ago(hours=1), None, "not_interested", False),  # closed leads need no call
        (None, None, "contacted", False),
    ],
)
def test_callback_due(callback: datetime | None, last_attempt: datetime | None, status: str, due: bool) -> None:
    lead = replace(NEW_LEAD, review_status=status, callback_at=callback, last_attempt_at=last_attempt)
    assert callback_due(lead, NOW) is due


@pytest.mark.parametrize(
    ("status", "outcomes", "after"),
    [
        ("new", ["reached"], "contacted"),
        ("new", ["no_answer"], None),
        ("new", ["no_answer", "left_message"], None),
        ("new", ["no_answer", "left_message", "wrong_number"], "unreachable"),  # the third without reaching
        ("new", ["no_answer", "reached", "no_answer"], None),  # reached once: never unreachable on its own
        ("contacted", ["no_answer", "no_answer", "no_answer"], None),  # only new leads become unreachable
        ("unreachable", ["no_answer"] * 3 + ["reached"], "contacted"),  # reached later: reopened
        ("unreachable", ["no_answer"] * 4, None),
        ("new", ["declined"], "not_interested"),
        ("visit_booked", ["declined"], "not_interested"),
        ("enrolled", ["declined"], None),  # closed: the coordinator decides
        ("contacted", ["reached"], None),
        ("confirmed", ["reached"], None),
    ],
)
def test_status_after_attempt(status: str, outcomes: list[str], after: str | None) -> None:
    assert status_after_attempt(status, tries(*outcomes), unreachable_after=3) == after


def test_unreachable_after_is_configurable() -> None:
    assert status_after_attempt("new", tries("no_answer"), unreachable_after=1) == "unreachable"
    assert status_after_attempt("new", tries("no_answer", "no_answer"), unreachable_after=5) is None
    assert status_after_attempt("new", [], unreachable_after=1) is None


def test_automatic_notes_name_the_attempt() -> None:
    assert automatic_note("unreachable", tries("no_answer", "no_answer", "no_answer")) == \
        "after 3 attempts without reaching the patient"
    assert automatic_note("contacted", tries("no_answer", "reached")) == "the patient was reached (attempt 2, phone)"
    assert automatic_note("not_interested", tries("declined")) == "the patient declined (attempt 1, phone)"


@pytest.mark.parametrize(
    ("channel", "outcome", "note", "at", "code"),
    [
        ("fax", "reached", "", NOW, "channel"),
        ("phone", "maybe", "", NOW, "outcome"),
        ("phone", "reached", "", NOW + timedelta(minutes=6), "future"),
        ("phone", "reached", "x" * 501, NOW, "note_length"),
    ],
)
def test_check_attempt_refuses(channel: str, outcome: str, note: str, at: datetime, code: str) -> None:
    with pytest.raises(PipelineError) as raised:
        check_attempt(channel, outcome, note, at, NOW)
    assert raised.value.code == code


def test_check_attempt_tidies_the_note_and_allows_clock_slack() -> None:
    assert check_attempt("wechat", "left_message", "  sent   the\nleaflet ", NOW + timedelta(minutes=4), NOW) == \
        "sent the leaflet"
    assert check_attempt("sms", "no_answer", "x" * 500, ago(days=3), NOW) == "x" * 500


def test_check_callback() -> None:
    check_callback(NOW + timedelta(hours=1), NOW)
    check_callback(ago(minutes=4), NOW)
    with pytest.raises(PipelineError):
        check_callback(ago(hours=1), NOW)


@pytest.mark.parametrize(
    ("status", "visit", "reason", "failed", "code"),
    [
        ("maybe", None, None, [], "status"),
        ("visit_booked", None, None, [], "visit_date"),
        ("rejected", None, None, [], "failure_reason"),
        ("rejected", None, "because", [], "failure_reason"),
        ("rejected", None, "exclusion_met", ["no_such_check"], "criteria"),
        ("confirmed", None, "exclusion_met", [], "failure_reason"),
        ("contacted", None, None, ["age"], "failure_reason"),
    ],
)
def test_check_status_change_refuses(status: str, visit: datetime | None, reason: str | None, failed: list[str],
                                     code: str) -> None:
    with pytest.raises(PipelineError) as raised:
        check_status_change(status, visit, reason, failed, ["age", "lung_disease"])
    assert raised.value.code == code


def test_check_status_change_accepts() -> None:
    check_status_change("visit_booked", NOW, None, [], [])
    check_status_change("rejected", None, "exclusion_met", ["lung_disease"], ["age", "lung_disease"])
    check_status_change("rejected", None, "ctdna_negative", [], [])
    check_status_change("enrolled", None, None, [], [])


def test_needs_action_order_over_a_mixed_set() -> None:
    leads = {
        "closed": replace(NEW_LEAD, review_status="enrolled", completed_at=ago(days=9)),
        "no_contact": replace(NEW_LEAD, has_contact=False, completed_at=ago(days=5)),
        "open": replace(NEW_LEAD, review_status="contacted", first_attempt_at=ago(days=2),
                        last_attempt_at=ago(days=2), completed_at=ago(days=3)),
        "open_with_callback": replace(NEW_LEAD, review_status="contacted", first_attempt_at=ago(days=2),
                                      last_attempt_at=ago(days=2), callback_at=NOW + timedelta(days=1)),
        "new_fresh": replace(NEW_LEAD, completed_at=ago(hours=2)),
        "new_older": replace(NEW_LEAD, completed_at=ago(hours=20)),
        "visit_passed": replace(NEW_LEAD, review_status="visit_booked", visit_at=ago(hours=3),
                                first_attempt_at=ago(days=4), last_attempt_at=ago(days=4)),
        "callback_due": replace(NEW_LEAD, review_status="contacted", callback_at=ago(hours=1),
                                first_attempt_at=ago(days=1), last_attempt_at=ago(days=1)),
        "overdue_slightly": replace(NEW_LEAD, completed_at=ago(hours=25)),
        "overdue_long": replace(NEW_LEAD, completed_at=ago(hours=72)),
    }
    order = sorted(leads, key=lambda name: needs_action_key(leads[name], NOW, HOURS))
    assert order == ["overdue_long", "overdue_slightly", "callback_due", "visit_passed", "new_older", "new_fresh",
                     "open", "open_with_callback", "no_contact", "closed"]
    assert urgency(leads["overdue_long"], NOW, HOURS) is Urgency.OVERDUE
    assert [name for name in leads if needs_action(leads[name], NOW, HOURS)] == [
        "visit_passed", "callback_due", "overdue_slightly", "overdue_long"]


def test_stored_values() -> None:
    assert as_utc(datetime(2026, 12, 2, 12, 0)) == NOW  # SQLite: naive UTC
    assert as_utc(datetime(2026, 12, 2, 20, 0, tzinfo=timezone(timedelta(hours=8)))) == NOW
    assert as_utc(None) is None
    assert criteria_text(["age", " lung_disease", "age", ""]) == "age,lung_disease"
    assert criteria_list("age,lung_disease") == ["age", "lung_disease"] and criteria_list("") == []
