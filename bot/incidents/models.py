"""Domain words of an incident: severity, status, roles, and how people name an incident."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The words stored in the incident's columns are storage's column types; the domain speaks them too.
from storage.enums import OPEN_STATUSES, RoleName, Severity, Status

__all__ = ["LARGEST_NUMBER", "OPEN_STATUSES", "IncidentRef", "RoleName", "Severity", "Status", "reference"]


_REF = re.compile(r"(?:inc-?)?(\d+)", re.IGNORECASE)
# Incident numbers are 32-bit in the database: a bigger one names no incident, rather than failing a query.
LARGEST_NUMBER = 2**31 - 1


@dataclass(frozen=True)
class IncidentRef:
    """How a person names an incident: `INC-12` or `12`."""

    number: int

    @classmethod
    def parse(cls, text: str) -> IncidentRef | None:
        match = _REF.fullmatch(text.strip())
        return cls(int(match.group(1))) if match else None

    @classmethod
    def parse_explicit(cls, text: str) -> IncidentRef | None:
        """Only the `INC-12` form: a bare number inside a command is more likely something else."""
        return cls.parse(text) if text.lower().startswith("inc") else None

    def __str__(self) -> str:
        return f"INC-{self.number}"


def reference(number: int | None) -> str:
    return f"INC-{number}"
