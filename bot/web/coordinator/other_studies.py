"""Ruled-out patients who agreed to hear about other studies: their own list, kept apart from the leads.

  GET  /other-studies                    the list (name, phone or e-mail, language, consent version, date)
  POST /other-studies/export.csv         the list as CSV (bot/leads/other_studies_export.py)
  GET  /other-studies/<id>/erase         confirm erasing one entry (typed reference code)
  POST /other-studies/<id>/erase         erase it: the entry and the transcript it was typed in

Every view, export and erasure is audited (screening ids and reference codes only).
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from bot.leads.erasure import ERASE_REASONS, TrackerStoreError, erase_other_studies_contact
from bot.leads.other_studies_export import other_studies_as_csv
from bot.leads.reference_codes import confirms_erasure, erasure_code
from bot.leads.store import LeadNotFound, OtherStudiesRecord, StoreError
from bot.web.coordinator.core import actor, audit, services

bp = Blueprint("other_studies", __name__, url_prefix="/other-studies")
log = logging.getLogger(__name__)


def _entry_or_404(screening_id: int) -> OtherStudiesRecord:
    for entry in services().store.other_studies_contacts():
        if entry.screening_id == screening_id:
            return entry
    abort(404)


@bp.get("")
def index() -> str:
    entries = services().store.other_studies_contacts()
    shown = " ".join(str(entry.screening_id) for entry in entries) or "-"
    audit("view_other_studies", detail=f"{len(entries)} entries (ids {shown})")
    return render_template("other_studies/list.html", entries=entries,
                           retention_days=services().settings.retention_days)


@bp.post("/export.csv")
def export_csv() -> ResponseReturnValue:
    """A POST (with the CSRF token) so no other site can make a coordinator's browser download one."""
    entries = services().store.other_studies_contacts()
    audit("export_other_studies", detail=f"csv, {len(entries)} entries")
    # The byte-order mark makes Excel read the file as UTF-8; cells are defused against formulas.
    body = "\ufeff" + other_studies_as_csv(entries)
    stamp = datetime.now(services().options.timezone).strftime("%Y%m%d-%H%M")
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="prescreen-other-studies-{stamp}.csv"'})


@bp.get("/<int:screening_id>/erase")
def confirm_erase(screening_id: int) -> str:
    entry = _entry_or_404(screening_id)
    code = erasure_code(entry.reference_code, entry.screening_id)
    return render_template("other_studies/erase.html", entry=entry, code=code, erase_reasons=ERASE_REASONS)


@bp.post("/<int:screening_id>/erase")
def erase(screening_id: int) -> ResponseReturnValue:
    """Erase one entry and the conversation it was typed in; the screening's anonymous answers stay.
    Only an audit entry remains: who, when, the reference code and one of ERASE_REASONS."""
    entry = _entry_or_404(screening_id)
    code = erasure_code(entry.reference_code, entry.screening_id)
    back = redirect(url_for("other_studies.confirm_erase", screening_id=screening_id))
    reason = request.form.get("reason", "")
    typed = request.form.get("confirm", "")
    if reason not in ERASE_REASONS:
        flash(_("Choose why this patient's details are erased. Nothing was erased."), "error")
        return back
    if not confirms_erasure(typed, code):
        message = _("Type the reference code %(code)s to confirm.", code=code) if not typed.strip() else _(
            "The code you typed does not match this entry's reference code (%(code)s).", code=code)
        flash(message + " " + _("Nothing was erased."), "error")
        return back
    try:
        erase_other_studies_contact(services().store, services().settings.tracker_store_url, screening_id, actor(),
                                    detail=f"{code}; reason: {ERASE_REASONS[reason]}")
    except LeadNotFound:
        abort(404)  # erased meanwhile, e.g. by a colleague or by the patient
    except TrackerStoreError:
        flash(_("%(code)s was not erased: the conversation store (where the assistant keeps transcripts) cannot be "
                "reached, so the transcript could not be deleted. Nothing was erased; try again in a minute, or tell "
                "the study's IT contact.", code=code), "error")
        return back
    except StoreError as error:
        log.error("coordinator app: erasing the other-studies contact of %s failed: %s", screening_id, error)
        message = _("%(code)s was not erased: the lead database cannot be written right now. Try again in a minute, "
                    "or tell the study's IT contact.", code=code)
        return render_template("errors/error.html", code=503, title=_("Not erased"), message=message), 503
    flash(_("%(code)s erased from the other-studies list: the name, contact details and conversation transcript "
            "are deleted. Only an audit entry without personal data remains.", code=code), "success")
    return redirect(url_for("other_studies.index"))
