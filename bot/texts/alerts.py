"""Alert senders: what is wrong with a webhook body, named by its field."""

from __future__ import annotations


def payload_problem(field: str, problem: str = "is missing") -> str:
    return f"{field} {problem}"
