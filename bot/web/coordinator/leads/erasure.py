"""POST /leads/<id>/erase: the patient's data, confirmed by typing the lead's reference code."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from bot.leads.erasure import ERASE_REASONS, TrackerStoreError, erase_lead
from bot.leads.reference_codes import confirms_erasure, erasure_code
from bot.leads.store import LeadNotFound, StoreError
from bot.web.coordinator.core import actor, services
from bot.web.coordinator.leads import bp
from bot.web.coordinator.leads.decisions import back
from bot.web.coordinator.leads.detail import lead_or_404

log = logging.getLogger(__name__)


@bp.post("/leads/<int:lead_id>/erase")
def erase(lead_id: int) -> Response | tuple[str, int]:
    """Erase the patient's data (right to erasure), through the same code as `prescreen leads erase`:
    answers, contact details and the conversation's events in the tracker store. Only an audit
    entry remains: who, when, the reference code and one of ERASE_REASONS (never free text)."""
    lead = lead_or_404(lead_id)
    code = erasure_code(lead.reference_code, lead.id)
    reason = request.form.get("reason", "")
    typed = request.form.get("confirm", "")
    if reason not in ERASE_REASONS:
        flash(_("Choose why this patient's data is erased. Nothing was erased."), "error")
        return back(lead.id, "erase")
    if not confirms_erasure(typed, code):
        message = _("Type the reference code %(code)s to confirm.", code=code) if not typed.strip() else _(
            "The code you typed does not match this lead's reference code (%(code)s).", code=code)
        flash(message + " " + _("Nothing was erased."), "error")
        return back(lead.id, "erase")
    try:
        erase_lead(services().store, services().settings.tracker_store_url, lead.id, actor(),
                   detail=f"{code}; reason: {ERASE_REASONS[reason]}")
    except LeadNotFound:
        abort(404)  # erased meanwhile, e.g. by a colleague
    except TrackerStoreError:
        flash(_("%(code)s was not erased: the conversation store (where the assistant keeps transcripts) cannot be "
                "reached, so the transcript could not be deleted. Nothing was erased; try again in a minute, or tell "
                "the study's IT contact.", code=code), "error")
        return back(lead.id, "erase")
    except StoreError as error:
        log.error("coordinator app: erasing lead %s failed: %s", lead.id, error)
        message = _("%(code)s was not erased: the lead database cannot be written right now. Its answers and contact "
                    "details are still stored (its conversation transcript may already be deleted). Try again in a "
                    "minute, or tell the study's IT contact.", code=code)
        return render_template("errors/error.html", code=503, title=_("Not erased"), message=message), 503
    flash(_("%(code)s erased: its answers, contact details and conversation transcript are deleted. "
            "Only an audit entry without personal data remains.", code=code), "success")
    return redirect(url_for("leads.index"))
