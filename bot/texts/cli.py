"""`oncall-bot …` on the command line: options the operator wrote wrongly, named with the fix."""

from __future__ import annotations

from collections.abc import Iterable


def not_a_url(address: str) -> str:
    return f"--http {address!r} is not a URL: write the bot's public address, like https://oncall.example.com"


def url_with_query(address: str) -> str:
    return f"--http {address!r}: give the address without ?query or #fragment"


def not_a_latency(text: str) -> str:
    return f"--latency {text!r}: write THRESHOLD@PERCENT, like 300ms@99"


def bad_option(option: str, problem: object) -> str:
    return f"{option}: {problem}"


def no_slo_for_service(service: str, known: Iterable[str]) -> str:
    return f"no SLO is configured for service {service!r}; services with SLOs: {', '.join(known) or 'none'}"
