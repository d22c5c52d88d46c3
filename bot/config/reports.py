"""The `reports:` section of ONCALL_CONFIG: operations reviews posted on a cadence (docs/reports.md).

bot/config/schema.py adds it as `reports: ReportsConfig`.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from bot.slo.models import DigestConfig


class ReportConfig(DigestConfig):
    """One posted review: a digest's channel and cron (checked alike), over a period, for some services."""

    period: Literal["7d", "30d", "90d"] = "7d"
    # Only incidents, alerts and SLOs of these services; all of them when left out.
    services: list[str] = Field(default_factory=list)

    kind: ClassVar[str] = "report"

    def key(self) -> str:
        return " ".join([self.channel, self.cron, self.period, *self.services])

    def options(self) -> dict[str, Any] | None:
        return {"period": self.period, "days": int(self.period.removesuffix("d")), "services": list(self.services)}


ReportsConfig = list[ReportConfig]
