"""The coordinator's decisions on a lead: review status, verdict overrides with a reason, and the
records checklist. Each decision is written together with its audit entry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from bot.leads import lead_facts
from bot.leads.base import StoreBase
from bot.leads.errors import LeadNotFound
from bot.leads.models import (
    AuditEntry,
    CriterionOverride,
    CriterionResultRow,
    RecordCheckResult,
    ReviewStatus,
    Screening,
    StatusChange,
)
from bot.leads.pipeline import PipelineError, check_status_change, criteria_text
from bot.trial.eligibility import Verdict

MAX_REASON_CHARS = 2000
MAX_RECORD_RESULT_CHARS = 1000


class ReviewDecisions(StoreBase):
    def set_review_status(
        self, lead_id: int, status: ReviewStatus | str, note: str, actor: str, visit_at: datetime | None = None,
        screen_failure_reason: str | None = None, failed_criteria: Sequence[str] = (),
    ) -> None:
        """Set the review status with what it carries: the visit's date for "visit booked", why screening
        failed (and which of the lead's criteria) for "not eligible" (rules: pipeline.check_status_change).

        The screening keeps its latest visit date when the status moves on (the trail keeps each one);
        the failure reason and criteria are cleared once the status leaves "not eligible".
        """
        try:
            status = ReviewStatus(status)
        except ValueError:
            allowed = ", ".join(sorted(s.value for s in ReviewStatus))
            raise ValueError(f"status must be one of: {allowed}") from None
        if visit_at is not None:
            if visit_at.tzinfo is None:
                raise PipelineError("timezone", "the visit's date needs a time zone")
            visit_at = visit_at.astimezone(timezone.utc)
        reason = screen_failure_reason or None
        failed = criteria_text(failed_criteria)
        with self._transaction("changing a review status") as session:
            screening = session.get(Screening, lead_id)
            if screening is None:
                raise LeadNotFound(f"no lead {lead_id}")
            known = session.execute(
                select(CriterionResultRow.check_id).where(CriterionResultRow.screening_id == lead_id)
            ).scalars().all()
            check_status_change(status.value, visit_at, reason, failed.split(",") if failed else [], known)
            booked = visit_at if status is ReviewStatus.VISIT_BOOKED else None
            screening.review_status = status.value
            if booked is not None:
                screening.visit_at = booked
            screening.screen_failure_reason = reason
            screening.failed_criteria = failed
            session.add(StatusChange(screening_id=lead_id, status=status.value, note=note, actor=actor,
                                     visit_at=booked, screen_failure_reason=reason, failed_criteria=failed))
            detail = status.value
            if booked is not None:
                detail += f", visit {booked.isoformat()}"
            if reason:
                detail += f", reason {reason}" + (f" ({failed})" if failed else "")
            session.add(AuditEntry(actor=actor, action="set_status", screening_id=lead_id, detail=detail))
            session.flush()
            lead_facts.refresh(session, [lead_id])  # the furthest step the funnel counts

    def override_criterion(self, lead_id: int, check_id: str, verdict: Verdict | str, reason: str, actor: str) -> None:
        """Replace the bot's verdict on one criterion with the coordinator's, with a reason."""
        try:
            verdict = Verdict(verdict)
        except ValueError:
            allowed = ", ".join(sorted(v.value for v in Verdict))
            raise ValueError(f"verdict must be one of: {allowed}") from None
        reason = " ".join(reason.split())
        if not reason:
            raise ValueError("give a reason for the override")
        if len(reason) > MAX_REASON_CHARS:
            raise ValueError(f"the reason is too long (at most {MAX_REASON_CHARS} characters)")
        with self._transaction("overriding a verdict") as session:
            if session.get(Screening, lead_id) is None:
                raise LeadNotFound(f"no lead {lead_id}")
            bot = session.execute(
                select(CriterionResultRow.verdict).where(
                    CriterionResultRow.screening_id == lead_id, CriterionResultRow.check_id == check_id
                )
            ).scalar_one_or_none()
            if bot is None:
                raise ValueError(f"lead {lead_id} has no criterion {check_id!r}")
            session.add(CriterionOverride(screening_id=lead_id, check_id=check_id, verdict=verdict.value,
                                          reason=reason, actor=actor))
            session.add(AuditEntry(actor=actor, action="override", screening_id=lead_id,
                                   detail=f"{check_id}: {bot} -> {verdict.value}"))

    def criterion_overrides(self, lead_id: int) -> list[dict[str, Any]]:
        """Every override of the lead's criteria, oldest first (the newest per criterion counts)."""
        with self._reading("reading verdict overrides") as session:
            rows = session.execute(
                select(CriterionOverride).where(CriterionOverride.screening_id == lead_id)
                .order_by(CriterionOverride.at, CriterionOverride.id)
            ).scalars()
            return [
                {"check_id": r.check_id, "verdict": r.verdict, "reason": r.reason, "actor": r.actor, "at": r.at}
                for r in rows
            ]

    def record_check_results(self, lead_id: int) -> list[dict[str, Any]]:
        """Every recorded records-checklist result, oldest first (the newest per item counts)."""
        with self._reading("reading the records checklist") as session:
            rows = session.execute(
                select(RecordCheckResult).where(RecordCheckResult.screening_id == lead_id)
                .order_by(RecordCheckResult.at, RecordCheckResult.id)
            ).scalars()
            return [
                {"record_check_id": r.record_check_id, "result": r.result, "checked": bool(r.checked),
                 "actor": r.actor, "at": r.at}
                for r in rows
            ]

    def save_record_checks(self, lead_id: int, entries: Mapping[str, tuple[str, bool]], actor: str) -> list[str]:
        """Record checklist results {item id: (result, checked)}; only items that changed get a
        new row. Returns the ids of the items that changed."""
        changed: list[str] = []
        with self._transaction("saving the records checklist") as session:
            if session.get(Screening, lead_id) is None:
                raise LeadNotFound(f"no lead {lead_id}")
            latest: dict[str, tuple[str, bool]] = {}
            for row in session.execute(
                select(RecordCheckResult).where(RecordCheckResult.screening_id == lead_id)
                .order_by(RecordCheckResult.at, RecordCheckResult.id)
            ).scalars():
                latest[row.record_check_id] = (row.result, bool(row.checked))
            for item_id, (result, checked) in entries.items():
                result = " ".join(result.split())
                if len(result) > MAX_RECORD_RESULT_CHARS:
                    raise ValueError(f"a result is too long (at most {MAX_RECORD_RESULT_CHARS} characters)")
                if latest.get(item_id, ("", False)) == (result, bool(checked)):
                    continue
                session.add(RecordCheckResult(screening_id=lead_id, record_check_id=item_id, result=result,
                                              checked=bool(checked), actor=actor))
                changed.append(item_id)
            if changed:
                session.add(AuditEntry(actor=actor, action="record_checks", screening_id=lead_id,
                                       detail=", ".join(changed)))
        return changed
