"""What a failed database call says about storage, in words for the person or sender who was refused."""

from __future__ import annotations

from storage.engine import is_unreachable


def describe_failure(exc: BaseException) -> str:
    """Read-only, full, unreachable or otherwise failing: the difference tells an operator where to look."""
    detail = str(getattr(exc, "orig", None) or exc).lower()
    if "read-only" in detail or "readonly" in detail:
        return "the database refuses writes (it is read-only)"
    if "disk is full" in detail or "no space left" in detail or "could not extend" in detail:
        return "the database's disk is full"
    if is_unreachable(exc):
        return "the database is unreachable"
    return f"storage is failing ({type(exc).__name__})"
