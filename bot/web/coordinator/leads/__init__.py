"""The leads area of the coordinator app: one blueprint, a module per page.

  filters.py    the list's filters, search, sort and page size read from the query (plain Python)
  listing.py    GET /, GET /leads: the funnel, the filtered list, its pages
  marks.py      where a lead stands against its deadlines (the list's and the lead page's marks)
  detail.py     GET /leads/<id>: the evidence, answers, overrides, records, status trail, contact attempts
  decisions.py  POST /leads/<id>/status, /attempts, /callback, /criteria/<check>/override, /records
  erasure.py    POST /leads/<id>/erase: the patient's data, confirmed by the typed reference code
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("leads", __name__)

# The pages register their routes on `bp` when imported.
from bot.web.coordinator.leads import decisions, detail, erasure, listing  # noqa: E402,F401
