"""The WeChat channel's state in the shared database: who to reply to, the messages and their replies,
the access token, and the problems the health check counts.

Everything that several gateway workers or instances must agree on lives here, never in a process's
memory: a retried push is refused by a unique key, a message is claimed by a compare-and-set update,
and the access token is refreshed by whoever wins a compare-and-set on its row.

Personal data: the OpenID and the texts are encrypted with the lead store's FieldCipher and cleared
once the replies are sent; `wechat_patients` keeps the OpenID (encrypted) while the conversation
lives, and loses it with the lead (erasure, withdrawal, retention purge).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from bot.languages import STUDY_TEAM_LANGUAGE
from bot.leads.crypto import FieldCipher
from bot.leads.database import Database
from bot.leads.models import Screening, WechatMessage, WechatPatient, WechatProblem, WechatToken

log = logging.getLogger(__name__)

UNFINISHED = ("pending", "at_rasa", "sending")
FINISHED = ("done", "undelivered", "lost")
KEEP_FINISHED = timedelta(days=2)  # long after WeChat's last retry (about 15 s): dedupe needs no more


def now() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def erase_patient(session: Session, conversation_id: str) -> None:
    """Forget a conversation's OpenID (in the caller's transaction): erasure, withdrawal, purge."""
    session.execute(delete(WechatPatient).where(WechatPatient.conversation_id == conversation_id))


def rotate_channel_keys(session: Session, cipher: FieldCipher) -> int:
    """Re-encrypt the channel's OpenIDs, queued texts and access token under the current key (in the
    caller's transaction, `prescreen keys rotate`); returns how many OpenIDs."""
    patients = 0
    for patient in session.execute(select(WechatPatient)).scalars():
        patient.openid_encrypted = cipher.rotate(patient.openid_encrypted)
        patients += 1
    for message in session.execute(select(WechatMessage).where(WechatMessage.status.in_(UNFINISHED))).scalars():
        message.openid_encrypted = cipher.rotate(message.openid_encrypted)
        message.inbound_encrypted = cipher.rotate(message.inbound_encrypted)
        message.replies_encrypted = cipher.rotate(message.replies_encrypted)
    for token in session.execute(select(WechatToken)).scalars():
        token.token_encrypted = cipher.rotate(token.token_encrypted)
    return patients


@dataclass
class PatientState:
    """What the gateway remembers of a conversation between two messages."""

    language: str = STUDY_TEAM_LANGUAGE
    offered_buttons: list[dict[str, str]] | None = None
    menu_seq: int = 0


@dataclass
class ClaimedMessage:
    """A message a worker holds: its turn to run, or its replies to send from `sent` on."""

    id: int
    conversation_id: str
    status: str  # at_rasa (run the turn) or sending (send the rest)
    openid: str
    inbound: dict[str, Any] | None
    replies: list[dict[str, Any]] | None
    sent: int
    attempts: int


class WechatStore:
    """The channel's tables, through the lead store's database and cipher."""

    def __init__(self, database: Database, cipher: FieldCipher) -> None:
        self.database = database
        self.cipher = cipher

    # ----------------------------------------------------------------- patients

    def remember_patient(self, conversation_id: str, openid: str) -> None:
        """Keep (or refresh) the encrypted OpenID of a conversation."""
        # Write first, never read-then-write: on SQLite a transaction that reads and then writes can
        # be refused at once (SQLITE_BUSY) when another writer went first, whatever the busy timeout.
        with self.database.transaction() as session:
            seen = session.execute(update(WechatPatient).where(WechatPatient.conversation_id == conversation_id)
                                   .values(last_seen_at=now()).execution_options(synchronize_session=False)).rowcount
        if seen:
            return
        try:
            with self.database.transaction() as session:
                session.add(WechatPatient(
                    conversation_id=conversation_id, openid_encrypted=self.cipher.encrypt(openid),
                    language=STUDY_TEAM_LANGUAGE, offered_buttons="[]", menu_seq=0, last_seen_at=now()))
        except IntegrityError:
            pass  # two workers made the same new patient at once: the row is there

    def patient_state(self, conversation_id: str) -> PatientState:
        with self.database.session() as session:
            row = session.get(WechatPatient, conversation_id)
            if row is None:
                return PatientState(offered_buttons=[])
            return PatientState(row.language, json.loads(row.offered_buttons or "[]"), row.menu_seq)

    def openid_of(self, conversation_id: str) -> str | None:
        with self.database.session() as session:
            row = session.get(WechatPatient, conversation_id)
            return self.cipher.decrypt(row.openid_encrypted) if row is not None else None

    def mark_channel(self, conversation_id: str, channel: str = "wechat") -> None:
        """The lead of this conversation came through `channel` (once the actions have made it)."""
        with self.database.transaction() as session:
            session.execute(update(Screening).where(Screening.conversation_id == conversation_id,
                                                    Screening.channel != channel).values(channel=channel))

    # ----------------------------------------------------------------- messages

    def accept(self, dedupe_key: str, conversation_id: str, openid: str, inbound: dict[str, Any],
               remember: bool = True) -> bool:
        """Queue a push (and, with `remember`, keep the patient's OpenID), in one transaction; False
        when it was queued before (WeChat's retry, a replay, another worker)."""
        for attempt in range(2):
            try:
                with self.database.transaction() as session:
                    session.add(WechatMessage(
                        dedupe_key=dedupe_key, conversation_id=conversation_id, status="pending",
                        openid_encrypted=self.cipher.encrypt(openid),
                        inbound_encrypted=self.cipher.encrypt(json.dumps(inbound, ensure_ascii=False)),
                        sent=0, attempts=0, next_attempt_at=now(), received_at=now()))
                    session.flush()  # a duplicate fails here, before anything else
                    # replies held for the platform's quota may go now: the patient wrote again
                    session.execute(update(WechatMessage).where(
                        WechatMessage.conversation_id == conversation_id, WechatMessage.status == "sending",
                        WechatMessage.last_error.like("quota%")).values(next_attempt_at=now())
                        .execution_options(synchronize_session=False))
                    if remember and not session.execute(
                            update(WechatPatient).where(WechatPatient.conversation_id == conversation_id)
                            .values(last_seen_at=now()).execution_options(synchronize_session=False)).rowcount:
                        session.add(WechatPatient(
                            conversation_id=conversation_id, openid_encrypted=self.cipher.encrypt(openid),
                            language=STUDY_TEAM_LANGUAGE, offered_buttons="[]", menu_seq=0, last_seen_at=now()))
                return True
            except IntegrityError as error:
                if "dedupe_key" in str(error.orig) or "wechat_messages" in str(error.orig) or attempt:
                    return False
                # another worker made this new patient's row at the same moment: once more, as an update
        return False

    def claim(self, hold_s: float) -> ClaimedMessage | None:
        """Take the next message whose turn has come: the oldest unfinished one of its conversation.

        The compare-and-set (`status`, `claimed_until` in the WHERE) lets one worker win; a message
        waits while an earlier one of the same conversation is unfinished, so turns and replies
        keep the patient's order whatever the number of workers.
        """
        self._give_up_lost_turns()
        moment = now()
        earlier = aliased(WechatMessage)
        blocked = exists().where(earlier.conversation_id == WechatMessage.conversation_id,
                                 earlier.id < WechatMessage.id, earlier.status.in_(UNFINISHED))
        free = or_(WechatMessage.claimed_until.is_(None), WechatMessage.claimed_until < moment)
        ready = and_(WechatMessage.status.in_(("pending", "sending")), WechatMessage.next_attempt_at <= moment, free)
        with self.database.session() as session:
            candidates = session.execute(select(WechatMessage.id, WechatMessage.status).where(ready, ~blocked)
                                         .order_by(WechatMessage.id).limit(20)).all()
        for message_id, status in candidates:
            until = now() + timedelta(seconds=hold_s)
            with self.database.transaction() as session:
                taken = session.execute(
                    update(WechatMessage).where(WechatMessage.id == message_id, WechatMessage.status == status, free)
                    .values(status="at_rasa" if status == "pending" else "sending", claimed_until=until,
                            attempts=WechatMessage.attempts + 1)
                    .execution_options(synchronize_session=False)).rowcount
                if taken != 1:
                    continue
                row = session.get(WechatMessage, message_id)
                return ClaimedMessage(
                    id=row.id, conversation_id=row.conversation_id, status=row.status,
                    openid=self.cipher.decrypt(row.openid_encrypted) or "",
                    inbound=json.loads(self.cipher.decrypt(row.inbound_encrypted) or "null"),
                    replies=json.loads(self.cipher.decrypt(row.replies_encrypted) or "null"),
                    sent=row.sent, attempts=row.attempts)
        return None

    def _give_up_lost_turns(self) -> None:
        """A worker that died during a turn: Rasa may have stored it, so it is never run again (no
        second stored turn); the message is marked lost and counted, and its texts cleared."""
        with self.database.session() as session:  # a read first: writing on every claim would queue workers
            if not session.execute(select(WechatMessage.id).where(
                    WechatMessage.status == "at_rasa", WechatMessage.claimed_until < now()).limit(1)).first():
                return
        with self.database.transaction() as session:
            lost = session.execute(select(WechatMessage.id).where(
                WechatMessage.status == "at_rasa", WechatMessage.claimed_until < now())).scalars().all()
            for message_id in lost:
                session.execute(update(WechatMessage).where(WechatMessage.id == message_id).values(
                    status="lost", last_error="worker_died", finished_at=now(), openid_encrypted=None,
                    inbound_encrypted=None, replies_encrypted=None, claimed_until=None))
                session.add(WechatProblem(kind="lost_turn", code="", at=now()))
        for message_id in lost:
            log.error("wechat: message %s lost: its worker stopped during the turn", message_id)

    def save_turn(self, message_id: int, conversation_id: str, replies: list[dict[str, Any]],
                  state: PatientState | None, answered: bool) -> None:
        """The turn ran, in one transaction: what to send (encrypted; the patient's words forgotten),
        the conversation's new state (update only: a withdrawal during the turn stays erased), and
        the lead's channel when the assistant answered (the actions may have made the lead)."""
        with self.database.transaction() as session:
            if replies:
                session.execute(update(WechatMessage).where(WechatMessage.id == message_id).values(
                    status="sending", inbound_encrypted=None, sent=0,
                    replies_encrypted=self.cipher.encrypt(json.dumps(replies, ensure_ascii=False))))
            if state is not None:
                session.execute(update(WechatPatient).where(WechatPatient.conversation_id == conversation_id).values(
                    language=state.language, menu_seq=state.menu_seq,
                    offered_buttons=json.dumps(state.offered_buttons or [], ensure_ascii=False)))
            if answered:
                session.execute(update(Screening).where(Screening.conversation_id == conversation_id,
                                                        Screening.channel != "wechat").values(channel="wechat"))

    def replace_reply(self, message_id: int, replies: list[dict[str, Any]]) -> None:
        with self.database.transaction() as session:
            session.execute(update(WechatMessage).where(WechatMessage.id == message_id).values(
                replies_encrypted=self.cipher.encrypt(json.dumps(replies, ensure_ascii=False))))

    def mark_sent(self, message_id: int, sent: int) -> None:
        with self.database.transaction() as session:
            session.execute(update(WechatMessage).where(WechatMessage.id == message_id).values(sent=sent))

    def defer(self, message_id: int, delay_s: float, error: str) -> None:
        """Try the rest later (a rate limit, the platform or network down); the worker lets go."""
        with self.database.transaction() as session:
            session.execute(update(WechatMessage).where(WechatMessage.id == message_id).values(
                status="sending", claimed_until=None, last_error=error,
                next_attempt_at=now() + timedelta(seconds=delay_s)))

    def finish(self, message_id: int, status: str = "done", error: str | None = None, sent: int | None = None) -> None:
        """Done (or undelivered for good): the OpenID and texts go, the dedupe key stays a while."""
        with self.database.transaction() as session:
            values: dict[str, Any] = dict(status=status, finished_at=now(), claimed_until=None,
                                          openid_encrypted=None, inbound_encrypted=None, replies_encrypted=None)
            if error is not None:
                values["last_error"] = error
            if sent is not None:
                values["sent"] = sent
            session.execute(update(WechatMessage).where(WechatMessage.id == message_id).values(**values))

    def message_status(self, message_id: int) -> tuple[str, str | None]:
        with self.database.session() as session:
            row = session.get(WechatMessage, message_id)
            return row.status, row.last_error

    def backlog(self, older_than_s: float) -> int:
        """Unfinished messages due more than `older_than_s` ago (a stuck or overwhelmed channel); those
        waiting on purpose (a rate limit, replies held for the quota) are not due yet."""
        cutoff = now() - timedelta(seconds=older_than_s)
        with self.database.session() as session:
            return int(session.execute(select(func.count(WechatMessage.id)).where(
                WechatMessage.status.in_(UNFINISHED), WechatMessage.next_attempt_at < cutoff)).scalar_one())

    def housekeeping(self, retention_days: int) -> None:
        """Forget finished messages after two days, and the OpenIDs of conversations idle for the
        retention period that never became a lead (a lead's go with the lead's purge)."""
        with self.database.transaction() as session:
            session.execute(delete(WechatMessage).where(WechatMessage.status.in_(FINISHED),
                                                        WechatMessage.finished_at < now() - KEEP_FINISHED))
            has_lead = exists().where(Screening.conversation_id == WechatPatient.conversation_id)
            session.execute(delete(WechatPatient).where(
                WechatPatient.last_seen_at < now() - timedelta(days=retention_days), ~has_lead)
                .execution_options(synchronize_session=False))

    # ----------------------------------------------------------------- problems

    def record_problem(self, kind: str, code: int | str = "") -> None:
        try:
            with self.database.transaction() as session:
                session.add(WechatProblem(kind=kind, code=str(code), at=now()))
        except Exception:  # noqa: BLE001 - counting must never break a reply
            log.exception("wechat: could not count a %s problem", kind)

    def problems_since(self, since: datetime) -> dict[str, int]:
        with self.database.session() as session:
            rows = session.execute(select(WechatProblem.kind, func.count(WechatProblem.id))
                                   .where(WechatProblem.at >= since).group_by(WechatProblem.kind)).all()
        return {kind: int(count) for kind, count in rows}

    # ----------------------------------------------------------------- the access token

    def token(self, app_id: str) -> tuple[str | None, datetime | None, int]:
        """(token, expires_at, generation) as stored; (None, None, 0) before the first."""
        with self.database.session() as session:
            row = session.get(WechatToken, app_id)
            if row is None:
                return None, None, 0
            return self.cipher.decrypt(row.token_encrypted), as_utc(row.expires_at), row.generation

    def begin_refresh(self, app_id: str, generation: int, hold_s: float) -> bool:
        """Whether this worker may refresh the token seen at `generation` (nobody else is, and nobody has)."""
        if generation == 0:  # no token yet: the row may not exist (insert only, never read-then-write)
            try:
                with self.database.transaction() as session:
                    session.add(WechatToken(app_id=app_id, generation=0, updated_at=now()))
            except IntegrityError:
                pass  # another worker made the row first
        moment = now()
        with self.database.transaction() as session:
            return session.execute(
                update(WechatToken).where(
                    WechatToken.app_id == app_id, WechatToken.generation == generation,
                    or_(WechatToken.refreshing_until.is_(None), WechatToken.refreshing_until < moment))
                .values(refreshing_until=moment + timedelta(seconds=hold_s))
                .execution_options(synchronize_session=False)).rowcount == 1

    def store_token(self, app_id: str, token: str, expires_in_s: int) -> None:
        with self.database.transaction() as session:
            session.execute(update(WechatToken).where(WechatToken.app_id == app_id).values(
                token_encrypted=self.cipher.encrypt(token), expires_at=now() + timedelta(seconds=expires_in_s),
                generation=WechatToken.generation + 1, refreshing_until=None, updated_at=now())
                .execution_options(synchronize_session=False))

    def end_refresh_failed(self, app_id: str) -> None:
        with self.database.transaction() as session:
            session.execute(update(WechatToken).where(WechatToken.app_id == app_id).values(refreshing_until=None))
