"""The audit trail: who did what, when (ids and reference codes only, never personal data).

Append-only: there is deliberately no method to change or delete an entry (migration 0002 also
makes the table refuse UPDATE and DELETE in the database).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.leads.base import StoreBase
from bot.leads.models import AuditEntry


class AuditTrail(StoreBase):
    def audit(self, actor: str, action: str, screening_id: int | None = None, detail: str = "") -> None:
        with self._transaction("writing the audit log") as session:
            session.add(AuditEntry(actor=actor, action=action, screening_id=screening_id, detail=detail))

    def audit_entries(self, screening_id: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """The newest audit entries first, for one lead or for everything."""
        query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
        if screening_id is not None:
            query = query.where(AuditEntry.screening_id == screening_id)
        with self._reading("reading the audit log") as session:
            return [
                {"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "screening_id": e.screening_id,
                 "detail": e.detail}
                for e in session.execute(query).scalars()
            ]
