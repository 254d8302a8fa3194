"""Database tables of the lead store (SQLAlchemy 1.4 declarative, 2.0-style use)."""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

from bot.languages import DEFAULT_LANGUAGE, STUDY_TEAM_LANGUAGE

# SQLAlchemy 1.4 without its mypy plugin types the declarative base as a plain variable.
Base: Any = declarative_base()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ReviewStatus(str, Enum):
    """Where a lead stands on its way to enrolment (the rules between them: bot/leads/pipeline.py).

    "confirmed" (eligible on the records) and "rejected" (not eligible) keep the values they had
    before the pipeline grew, so existing databases and the agreement figures read the same.
    """

    NEW = "new"
    CONTACTED = "contacted"
    CONFIRMED = "confirmed"
    VISIT_BOOKED = "visit_booked"
    CONSENTED = "consented"
    ENROLLED = "enrolled"
    REJECTED = "rejected"
    UNREACHABLE = "unreachable"
    NOT_INTERESTED = "not_interested"
    WITHDRAWN = "withdrawn"


class Screening(Base):
    """One patient's prescreen: one Rasa conversation that gave consent."""

    __tablename__ = "screenings"
    # The lead list's overdue filter and "needs action first" (0009).
    __table_args__ = (
        Index("ix_screenings_status_contact_completed", "review_status", "has_contact", "completed_at"),
        Index("ix_screenings_contact_completed", "has_contact", "completed_at"),
        Index("ix_screenings_furthest_completed", "furthest_step", "completed_at"),  # the funnel's counts (0010)
        # The metrics, read from the index alone: who is waiting for a first contact (0012: with the status),
        # the counts and the median of the waits (0012), the leads per channel and the funnel's counts (0010).
        Index("ix_screenings_contact_first_completed_status", "has_contact", "first_attempt_at", "completed_at",
              "review_status"),
        Index("ix_screenings_contact_wait", "has_contact", "first_wait_s"),
        Index("ix_screenings_channel_contact_completed", "channel", "has_contact", "completed_at"),
        # The lead list's funnel (0012): every screening counted per provisional status, completed or not.
        Index("ix_screenings_provisional_completed", "provisional_status", "completed_at"),
        # The agreement's reviewed leads and their verdicts, read from the index alone (0012).
        Index("ix_screenings_decision_completed_verdicts", "decision", "completed_at", "verdicts"),
        # The sort by name (0011), with the list's filters on the date, the review status and the bot's
        # assessment read from the index alone.
        Index("ix_screenings_name_sort", "name_group", "completed_at", "review_status", "provisional_status"),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, unique=True, index=True)
    reference_code = Column(String(16), unique=True, index=True)
    started_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    consented_at = Column(DateTime(timezone=True), nullable=False)
    consent_version = Column(String(64), nullable=False)
    criteria_version = Column(String(32), nullable=False)
    completed_at = Column(DateTime(timezone=True), index=True)
    provisional_status = Column(String(32))  # indexed with completed_at (0012): the lead list's funnel
    review_status = Column(String(32), nullable=False, default=ReviewStatus.NEW.value, index=True)
    # The conversation's language (bot/languages.py).
    language = Column(String(8), nullable=False, default=DEFAULT_LANGUAGE, server_default=DEFAULT_LANGUAGE)
    # The versions of the patient texts shown, as JSON: {"en": "texts-en-…", "zh": "texts-zh-…", "consent": …}.
    text_versions = Column(Text, nullable=False, default="{}", server_default="{}")
    # The pipeline (0006): the next call-back, the booked screening visit, why screening failed.
    callback_at = Column(DateTime(timezone=True), index=True)
    visit_at = Column(DateTime(timezone=True))
    screen_failure_reason = Column(String(32))  # a key of bot.leads.pipeline.SCREEN_FAILURE_REASONS
    failed_criteria = Column(Text, nullable=False, default="", server_default="")  # check ids, comma-separated
    channel = Column(String(16), nullable=False, default="web", server_default="web", index=True)  # web, wechat (0008)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)
    # Stored facts (0009), so the database can sort and count by the pipeline's rules
    # (bot/leads/pipeline_sql.py); kept current by bot/leads/lead_facts.py on every write that changes them.
    has_contact = Column(Boolean, nullable=False, default=False, server_default="0")  # a phone, e-mail or WeChat
    first_attempt_at = Column(DateTime(timezone=True))  # the earliest contact attempt
    last_attempt_at = Column(DateTime(timezone=True))  # the latest contact attempt
    # (0012) Seconds from completed_at to first_attempt_at (negative: an attempt logged before it); NULL: none.
    first_wait_s = Column(Float)
    # (0010) The furthest step of pipeline.PROGRESS the lead reached, as metrics.progress_counts defines it
    # (its status now, its status history, a reached contact attempt counting as "contacted"); -1: none yet.
    furthest_step = Column(Integer, nullable=False, default=-1, server_default="-1")
    # (0012) The coordinator's decision on eligibility, as the agreement counts it (a status of
    # pipeline.DECIDED_STATUSES, now or the newest in the history; NULL: none), and the number of the bot's
    # criterion verdicts, so the agreement's totals read no verdict row.
    decision = Column(String(32))
    verdicts = Column(Integer, nullable=False, default=0, server_default="0")
    # (0011) The contact's name sort group (Contact.name_group), copied here so a sort by name counts the
    # named leads per group and finds a group's leads from this table's index alone, without reading a
    # contact row per lead; NULL: no contact details, or their group not computed yet.
    name_group = Column(Integer)

    answers = relationship("Answer", cascade="all, delete-orphan", passive_deletes=True, order_by="Answer.id")
    results = relationship(
        "CriterionResultRow", cascade="all, delete-orphan", passive_deletes=True, order_by="CriterionResultRow.position"
    )
    contact = relationship("Contact", uselist=False, cascade="all, delete-orphan", passive_deletes=True)
    status_changes = relationship(
        "StatusChange", cascade="all, delete-orphan", passive_deletes=True, order_by="StatusChange.id"
    )
    answer_events = relationship(
        "AnswerEvent", cascade="all, delete-orphan", passive_deletes=True, order_by="AnswerEvent.id"
    )
    side_questions = relationship(
        "SideQuestion", cascade="all, delete-orphan", passive_deletes=True, order_by="SideQuestion.id"
    )
    contact_attempts = relationship(
        "ContactAttempt", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(ContactAttempt.at, ContactAttempt.id)",
    )
    other_studies_contact = relationship(
        "OtherStudiesContact", uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )


class Answer(Base):
    """What the patient typed for one question and the value read from it."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("screening_id", "check_id"),)

    id = Column(Integer, primary_key=True)
    screening_id = Column(Integer, ForeignKey("screenings.id", ondelete="CASCADE"), nullable=False, index=True)
    check_id = Column(String(64), nullable=False)
    patient_text = Column(Text, nullable=False)
    value = Column(String(32), nullable=False)
    read_how = Column(String(200))
    answered_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class CriterionResultRow(Base):
    """The engine's verdict on one criterion, with its reason."""

    __tablename__ = "criterion_results"
    __table_args__ = (
        UniqueConstraint("screening_id", "check_id"),
        Index("ix_criterion_results_check_id_position", "check_id", "position"),  # an export's columns (0009)
    )

    id = Column(Integer, primary_key=True)
    screening_id = Column(Integer, ForeignKey("screenings.id", ondelete="CASCADE"), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    check_id = Column(String(64), nullable=False)
    protocol = Column(String(8), nullable=False)
    label = Column(String(200), nullable=False)
    verdict = Column(String(32), nullable=False)
    value = Column(String(32))
    reason = Column(Text, nullable=False)


class Contact(Base):
    """Contact details, encrypted at rest; the *_index columns are keyed hashes for search."""

    __tablename__ = "contacts"

    screening_id = Column(Integer, ForeignKey("screenings.id", ondelete="CASCADE"), primary_key=True)
    name_encrypted = Column(Text, nullable=False)
    phone_encrypted = Column(Text)
    email_encrypted = Column(Text)
    preferred_time_encrypted = Column(Text)
    wechat_encrypted = Column(Text)  # WeChat ID, a channel many patients in China prefer to a call
    phone_index = Column(String(64), index=True)
    email_index = Column(String(64), index=True)
    wechat_index = Column(String(64), index=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    # The name's coarse sort group (0009, bot/leads/name_order.py): which of a few dozen ranges its first
    # letter falls in, never the letter itself; NULL until computed, -1 for an empty name.
    name_group = Column(Integer, index=True)


class StatusChange(Base):
    """The coordinator's review trail: each status change with its note (and, from 0006, what it carried)."""

    __tablename__ = "status_changes"

    id = Column(Integer, primary_key=True)
    screening_id = Column(Integer, ForeignKey("screenings.id", ondelete="CASCADE"), nullable=False, index=True)
    status = Column(String(32), nullable=False)
    note = Column(Text, nullable=False, default="")
    visit_at = Column(DateTime(timezone=True))  # visit_booked: the visit's date and time
    screen_failure_reason = Column(String(32))  # rejected: a key of bot.leads.pipeline.SCREEN_FAILURE_REASONS
    failed_criteria = Column(Text, nullable=False, default="", server_default="")  # rejected: check ids
    automatic = Column(Boolean, nullable=False, default=False, server_default="0")  # set by a contact attempt
    actor = Column(String(100), nullable=False)
    changed_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class AuditEntry(Base):
    """Who did what, when; no personal data (screening ids and reference codes only)."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    actor = Column(String(100), nullable=False)
    action = Column(String(64), nullable=False)
    screening_id = Column(Integer, index=True)  # no foreign key: the entry outlives an erased lead
    detail = Column(Text, nullable=False, default="")


class ConversationStart(Base):
    """An anonymous tally of conversations started, for the funnel (no conversation id)."""

    __tablename__ = "conversation_starts"

    id = Column(Integer, primary_key=True)
    started_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


# ------------------------------------------------------------------ coordinator app (0002)


class Coordinator(Base):
    """A study coordinator's account: argon2 password hash and sign-in throttling state."""

    __tablename__ = "coordinators"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True, index=True)
    password_hash = Column(String(255), nullable=False)
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime(timezone=True))
    # Bumped on sign-out and password reset: session cookies carrying an older epoch stop working.
    session_epoch = Column(Integer, nullable=False, default=0)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    password_changed_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    last_login_at = Column(DateTime(timezone=True))
    language = Column(String(8), nullable=False, default=DEFAULT_LANGUAGE, server_default=DEFAULT_LANGUAGE)  # the app's


class CriterionOverride(Base):
    """A coordinator's verdict on one criterion, replacing the bot's; the newest row counts."""

    __tablename__ = "criterion_overrides"

    id = Column(Integer, primary_key=True)
    screening_id = Column(Integer, ForeignKey("screenings.id", ondelete="CASCADE"), nullable=False, index=True)
    check_id = Column(String(64), nullable=False)
    verdict = Column(String(32), nullable=False)
    reason = Column(Text, nullable=False)
    actor = Column(String(100), nullable=False)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class RecordCheckResult(Base):
    """What the hospital's records showed for one checklist item; the newest row counts."""

    __tablename__ = "record_check_results"

    id = Column(Integer, primary_key=True)
    screening_id = Column(Integer, ForeignKey("screenings.id", ondelete="CASCADE"), nullable=False, index=True)
    record_check_id = Column(String(64), nullable=False)
    result = Column(Text, nullable=False, default="")
    checked = Column(Boolean, nullable=False, default=False)
    actor = Column(String(100), nullable=False)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


# ------------------------------------------------------------------ notifications (0003)


class Notification(Base):
    """One message to the study team on one channel (the outbox); no personal data in it.

    `dedupe_key` ("lead:<screening id>" or "digest:<local date>") with `channel` is unique, so
    the notifier can scan screenings again and again and queue each message once.
    """

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("dedupe_key", "channel"),)

    id = Column(Integer, primary_key=True)
    dedupe_key = Column(String(64), nullable=False)
    kind = Column(String(16), nullable=False)  # lead, digest
    channel = Column(String(16), nullable=False)  # email, webhook
    screening_id = Column(Integer, index=True)  # no foreign key: the record outlives an erased lead
    subject = Column(String(200), nullable=False)
    body = Column(Text, nullable=False)  # what is sent: plain text for e-mail, JSON for a webhook
    status = Column(String(16), nullable=False, default="pending", index=True)  # pending, sent, failed
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    last_error = Column(Text)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    sent_at = Column(DateTime(timezone=True))

    delivery_attempts = relationship(
        "NotificationAttempt", cascade="all, delete-orphan", passive_deletes=True, order_by="NotificationAttempt.id"
    )


class NotificationAttempt(Base):
    """One try at sending a notification, and what came of it."""

    __tablename__ = "notification_attempts"

    id = Column(Integer, primary_key=True)
    notification_id = Column(
        Integer, ForeignKey("notifications.id", ondelete="CASCADE"), nullable=False, index=True
    )
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    succeeded = Column(Boolean, nullable=False)
    error = Column(Text)


class AnswerEvent(Base):
    """An answer the patient corrected, or confirmed at the read-back before an early exit (issue 12).

    `event` is "corrected", "answered again" (after a denied read-back), "not confirmed" (not sure
    at the read-back) for an earlier answer, or "confirmed" for the answer that stood.
    """

    __tablename__ = "answer_events"

    id = Column(Integer, primary_key=True)
    screening_id = Column(Integer, ForeignKey("screenings.id", ondelete="CASCADE"), nullable=False, index=True)
    check_id = Column(String(64), nullable=False)
    event = Column(String(32), nullable=False)
    patient_text = Column(Text, nullable=False)
    value = Column(String(32), nullable=False)
    detail = Column(Text)  # e.g. the words that denied the read-back
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class SideQuestion(Base):
    """A question the patient asked during the prescreen that only the study team can answer."""

    __tablename__ = "side_questions"

    id = Column(Integer, primary_key=True)
    screening_id = Column(Integer, ForeignKey("screenings.id", ondelete="CASCADE"), nullable=False, index=True)
    topic = Column(String(32), nullable=False)
    patient_text = Column(Text, nullable=False)
    during_check = Column(String(64))
    asked_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


# ------------------------------------------------------------------ the pipeline (0006)


class ContactNameGram(Base):
    """A keyed hash of one character or one pair of characters of a contact's name, for finding part of a
    name without decrypting every name (0010, bot/leads/name_search.py). Deleted with the contact."""

    __tablename__ = "contact_name_grams"

    screening_id = Column(Integer, ForeignKey("contacts.screening_id", ondelete="CASCADE"), primary_key=True)
    gram = Column(String(16), primary_key=True)
    __table_args__ = (Index("ix_contact_name_grams_gram", "gram"),)


class ContactAttempt(Base):
    """One try at reaching the patient: when, how, what came of it, and a short note."""

    __tablename__ = "contact_attempts"
    __table_args__ = (Index("ix_contact_attempts_screening_id_at", "screening_id", "at"),)  # first/last (0009)

    id = Column(Integer, primary_key=True)
    screening_id = Column(Integer, ForeignKey("screenings.id", ondelete="CASCADE"), nullable=False, index=True)
    at = Column(DateTime(timezone=True), nullable=False, index=True)  # when the attempt was made
    channel = Column(String(16), nullable=False)  # bot.leads.pipeline.CHANNELS
    outcome = Column(String(16), nullable=False)  # bot.leads.pipeline.OUTCOMES
    note = Column(Text, nullable=False, default="")
    actor = Column(String(100), nullable=False)
    recorded_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class OtherStudiesContact(Base):
    """A ruled-out patient's separate, optional consent to hear about other studies: a name and a
    phone or e-mail (encrypted), and nothing else. Erased with its screening (withdrawal by
    reference code), or on its own; purged after the retention period like other contacts."""

    __tablename__ = "other_studies_contacts"

    screening_id = Column(Integer, ForeignKey("screenings.id", ondelete="CASCADE"), primary_key=True)
    name_encrypted = Column(Text, nullable=False)
    phone_encrypted = Column(Text)
    email_encrypted = Column(Text)
    phone_index = Column(String(64), index=True)
    email_index = Column(String(64), index=True)
    consent_version = Column(String(64), nullable=False)  # the version of the text the patient agreed to
    language = Column(String(8), nullable=False, default=DEFAULT_LANGUAGE)
    consented_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


# ------------------------------------------------------------------ the WeChat channel (0008)


class WechatPatient(Base):
    """A WeChat follower's conversation. The OpenID is needed to reply and is personal: stored
    encrypted (like a phone number), keyed by the conversation id derived from it (a keyed hash),
    erased with the conversation's lead and purged with it."""

    __tablename__ = "wechat_patients"

    conversation_id = Column(String(128), primary_key=True)
    openid_encrypted = Column(Text, nullable=False)
    language = Column(String(8), nullable=False, default=STUDY_TEAM_LANGUAGE)  # the conversation's, as last written
    # The buttons of the last question, JSON [{"id", "title", "payload"}]: a menu tap or "1" maps back to them.
    offered_buttons = Column(Text, nullable=False, default="[]")
    menu_seq = Column(Integer, nullable=False, default=0)
    last_seen_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class WechatMessage(Base):
    """One push from WeChat and the work it makes: the Rasa turn (once), then the replies, in order.

    `dedupe_key` is unique, so WeChat's retries (same MsgId) and a second gateway worker never make
    a second turn. The OpenID and the texts are encrypted and cleared once the replies are sent.
    Status: pending -> at_rasa -> sending -> done, or undelivered (the platform refused: window
    closed, patient unsubscribed, quota) or lost (a worker died during the turn).
    """

    __tablename__ = "wechat_messages"

    id = Column(Integer, primary_key=True)
    dedupe_key = Column(String(64), nullable=False, unique=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    status = Column(String(16), nullable=False, default="pending", index=True)
    openid_encrypted = Column(Text)
    inbound_encrypted = Column(Text)  # what the patient sent, as read (JSON)
    replies_encrypted = Column(Text)  # the WeChat messages to send (JSON list)
    sent = Column(Integer, nullable=False, default=0)  # how many of the replies went out
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    claimed_until = Column(DateTime(timezone=True))  # a worker holds it until then
    last_error = Column(String(64))  # a platform error code or a kind of failure; never personal data
    received_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    finished_at = Column(DateTime(timezone=True))


class WechatToken(Base):
    """The account's access token, shared by every gateway worker and instance (encrypted).

    `generation` and `refreshing_until` make refreshing a compare-and-set: one worker refreshes,
    the others wait for the generation to move."""

    __tablename__ = "wechat_tokens"

    app_id = Column(String(64), primary_key=True)
    token_encrypted = Column(Text)
    expires_at = Column(DateTime(timezone=True))
    generation = Column(Integer, nullable=False, default=0)
    refreshing_until = Column(DateTime(timezone=True))
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class WechatProblem(Base):
    """One thing that went wrong on the channel, for the health check: a kind and a code, no personal data."""

    __tablename__ = "wechat_problems"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    kind = Column(String(32), nullable=False)  # token, rate_limit, window_closed, unsubscribed, quota, rasa, ...
    code = Column(String(16), nullable=False, default="")  # the platform's errcode, when there is one
