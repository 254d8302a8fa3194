"""Judge a pip-audit JSON report against the accepted list; exit 1 on any other vulnerability.

Also says plainly how many packages could not be audited (the vulnerability service did not know
them), so a vacuous pass is never mistaken for a clean bill of health.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml


def judge(report: dict, accepted: list[dict]) -> tuple[list[str], int, int]:
    """Unaccepted findings, packages audited, packages skipped."""
    allowed = {(a["package"].lower(), a["id"]) for a in accepted}
    findings, audited, skipped = [], 0, 0
    for dependency in report.get("dependencies", []):
        if dependency.get("skip_reason"):
            skipped += 1
            continue
        audited += 1
        for vulnerability in dependency.get("vulns", []):
            ids = {vulnerability["id"], *vulnerability.get("aliases", [])}
            if not any((dependency["name"].lower(), i) in allowed for i in ids):
                fixes = ", ".join(vulnerability.get("fix_versions", [])) or "none yet"
                findings.append(
                    f"{dependency['name']} {dependency.get('version')}: {vulnerability['id']} (fixed in {fixes})"
                )
    return findings, audited, skipped


def main(report_path: str, accepted_path: str) -> int:
    report = json.loads(Path(report_path).read_text())
    accepted = yaml.safe_load(Path(accepted_path).read_text()).get("accepted") or []
    findings, audited, skipped = judge(report, accepted)
    print(f"dependency audit: {audited} packages audited, {skipped} could not be audited, "
          f"{len(accepted)} accepted findings listed")
    if skipped and not audited:
        print("WARNING: the vulnerability service knew none of the installed versions (no network to it, or a "
              "private mirror): nothing was actually audited. Run `make audit` where pypi.org is reachable.")
    for finding in findings:
        print(f"VULNERABLE: {finding}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
