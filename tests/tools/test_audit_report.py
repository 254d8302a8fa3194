"""The dependency-audit verdict: unaccepted findings fail, accepted ones and skipped packages don't."""

from __future__ import annotations

import importlib.util

from bot.settings import PROJECT_ROOT

spec = importlib.util.spec_from_file_location("audit_report", PROJECT_ROOT / "scripts" / "audit_report.py")
audit_report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_report)

REPORT = {"dependencies": [
    {"name": "Jinja2", "version": "3.1.0",
     "vulns": [{"id": "GHSA-aaaa", "aliases": ["CVE-2024-1"], "fix_versions": ["3.1.4"]}]},
    {"name": "requests", "version": "2.34.2", "vulns": []},
    {"name": "absl-py", "skip_reason": "Dependency not found on PyPI"},
]}


def test_an_unaccepted_vulnerability_is_a_finding() -> None:
    findings, audited, skipped = audit_report.judge(REPORT, [])
    assert findings == ["Jinja2 3.1.0: GHSA-aaaa (fixed in 3.1.4)"] and (audited, skipped) == (2, 1)


def test_an_accepted_vulnerability_by_alias_is_not() -> None:
    findings, _, _ = audit_report.judge(REPORT, [{"id": "CVE-2024-1", "package": "jinja2", "reason": "unused"}])
    assert findings == []
