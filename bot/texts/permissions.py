"""Refusals of ONCALL_CONFIG's `permissions`: each names who may, never a way around it."""

from __future__ import annotations


def admins_only(verb: str) -> str:
    return f"Only the on-call admins may {verb}. Ask one of them."


def commander_only(ref: str, commander: str, verb: str) -> str:
    return f"Only the commander of {ref} (<@{commander}>) or an admin may {verb} it. Ask one of them."


def handover_only(ref: str, commander: str) -> str:
    return (
        f"Only the commander of {ref} (<@{commander}>) or an admin may hand its commander role over. Ask one of them."
    )
