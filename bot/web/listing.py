"""The incident list's filters and pages, as written in its address (`/?status=open&severity=SEV1&page=2`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from bot import texts
from bot.errors import UserError
from bot.incidents.models import OPEN_STATUSES, Severity, Status
from storage.queries.incident_search import IncidentFilter

PER_PAGE = 25
OPEN = "open"
STATUS_CHOICES = (OPEN, *(status.value for status in Status))
TEXT_LIMIT = 200


@dataclass(frozen=True)
class IncidentQuery:
    status: str = ""  # "", "open" or one status
    severity: str = ""
    service: str = ""
    text: str = ""
    page: int = 1

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> IncidentQuery:
        """Read the address's filters; a wrong one is a UserError naming it and the values it takes."""
        status = args.get("status", "").strip().lower()
        if status and status not in STATUS_CHOICES:
            raise UserError(texts.web.unknown_status(status, STATUS_CHOICES))
        severity_text = args.get("severity", "").strip()
        severity = Severity.parse(severity_text) if severity_text else None
        if severity_text and severity is None:
            raise UserError(texts.web.unknown_severity(severity_text))
        page_text = args.get("page", "1").strip() or "1"
        if not page_text.isdecimal() or int(page_text) < 1:
            raise UserError(texts.web.not_a_page(page_text))
        return cls(
            status=status,
            severity=severity.value if severity else "",
            service=args.get("service", "").strip()[:TEXT_LIMIT],
            text=args.get("q", "").strip()[:TEXT_LIMIT],
            page=int(page_text),
        )

    @property
    def filter(self) -> IncidentFilter:
        statuses = [s.value for s in OPEN_STATUSES] if self.status == OPEN else [self.status] if self.status else []
        return IncidentFilter(
            statuses=statuses,
            severity=self.severity or None,
            service=self.service or None,
            text=self.text,
            first_statuses=[s.value for s in OPEN_STATUSES],
        )

    @property
    def offset(self) -> int:
        return (self.page - 1) * PER_PAGE

    @property
    def filtered(self) -> bool:
        return bool(self.status or self.severity or self.service or self.text)

    def link(self, page: int) -> str:
        """This list's address at another page, with the same filters."""
        wanted = {"status": self.status, "severity": self.severity, "service": self.service, "q": self.text}
        query = {name: value for name, value in wanted.items() if value}
        if page > 1:
            query["page"] = str(page)
        return "/?" + urlencode(query) if query else "/"

    def on_page(self, page: int) -> IncidentQuery:
        return replace(self, page=page)


def last_page(total: int) -> int:
    return max(1, -(-total // PER_PAGE))
