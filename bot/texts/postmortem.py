"""Postmortems: `/incident postmortem`, `/incident close`, and templates that fail."""

from __future__ import annotations


def resolve_first(ref: str, status: str) -> str:
    return f"{ref} is {status}: resolve it first, then write its postmortem."


def not_drafted(ref: str) -> str:
    return f"{ref} has no postmortem yet: run `/incident postmortem`, review it, then close."


def rendering(ref: str, *, drafted: bool) -> str:
    state = " and marked it drafted" if drafted else ""
    return f"Rendering the postmortem of {ref}{state}; it will appear in its channel as a file."


def template(name: str, template_dir: object | None = None) -> str:
    """An operator's template by its name and folder, as the refusals below name it."""
    origin = f" in {template_dir}" if template_dir else ""
    return f"The postmortem template {name}{origin}"


def template_failed(where: str, reason: object) -> str:
    return f"{where} failed: {reason}"


def template_too_slow(where: str, seconds: float) -> str:
    return f"{where} took longer than {seconds:g} s and was stopped: make it do less, or raise postmortem.time_limit."


def template_no_answer(where: str, exit_status: int | None) -> str:
    return f"{where} stopped without an answer (exit status {exit_status})."
