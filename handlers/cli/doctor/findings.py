"""What one check of `oncall-bot doctor` found, and the printout of them all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Verdict = Literal["ok", "warn", "FAIL"]
APPS_PAGE = "https://api.slack.com/apps"


@dataclass(frozen=True)
class Finding:
    check: str
    verdict: Verdict
    detail: str
    fix: str = ""


def report(findings: list[Finding]) -> tuple[str, int]:
    """One line per check, with its fix after an arrow; and the exit code: 1 when anything failed."""
    width = max(len(finding.check) for finding in findings)
    lines = []
    for finding in findings:
        fix = f" → {finding.fix}" if finding.fix and finding.verdict != "ok" else ""
        lines.append(f"{finding.verdict:<4}  {finding.check:<{width}}  {finding.detail}{fix}")
    failed = sum(finding.verdict == "FAIL" for finding in findings)
    lines.append("all good" if not failed else f"{failed} problem{'s' if failed > 1 else ''} to fix")
    return "\n".join(lines), 1 if failed else 0
