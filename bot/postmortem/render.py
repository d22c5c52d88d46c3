"""Postmortem templates: the bundled ones, or the operator's, always run in Jinja2's sandbox.

Markdown output escapes every value (so captured text cannot inject links, HTML or headings);
HTML output is autoescaped. Markup the template itself writes is left alone.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from bot import texts
from bot.errors import UserError
from bot.incidents.messaging import humanize
from bot.postmortem.document import Postmortem
from bot.slack.texts import TEMPLATES


class Format(StrEnum):
    MARKDOWN = "md"
    HTML = "html"

    @property
    def template(self) -> str:
        return f"postmortem.{self.value}.j2"


class TemplateFailed(UserError):
    """A template that could not render; `reason` is Jinja2's own words."""

    def __init__(self, output: Format, template_dir: Path | None, reason: str) -> None:
        super().__init__(
            texts.postmortem.template_failed(texts.postmortem.template(output.template, template_dir), reason)
        )
        self.reason = reason


class MarkdownSafe(str):
    """Markdown the template means, not text to escape."""


_MARKDOWN_ESCAPES = str.maketrans(
    {char: "\\" + char for char in "\\`*_{}[]()#+!|~"} | {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
)
_NEEDS_ESCAPING = re.compile(r"[\\`*_{}\[\]()#+!|~&<>\r\n]")


def markdown_escape(value: object) -> str:
    """A value shown literally in Markdown: no emphasis, links, headings, tables or raw HTML."""
    if value is None:
        return ""
    if isinstance(value, MarkdownSafe):
        return value
    text = str(value)
    if not _NEEDS_ESCAPING.search(text):  # names, times, most words: nothing to do
        return text
    text = text.translate(_MARKDOWN_ESCAPES)
    # A value never starts a new block: its line breaks stay inside the list item or cell.
    return text.replace("\r\n", "\n").replace("\n", "<br>")


def _link_markdown(url: str | None, label: str) -> MarkdownSafe:
    if not url:
        return MarkdownSafe("")
    if not url.startswith(("http://", "https://")) or any(char in url for char in " <>()"):
        return MarkdownSafe(f"{markdown_escape(label)}: {markdown_escape(url)}")
    return MarkdownSafe(f"[{markdown_escape(label)}]({url})")


def _link_html(url: str | None, label: str) -> Markup:
    if not url:
        return Markup("")
    if not url.startswith(("http://", "https://")):
        return Markup("{}: {}").format(label, url)
    return Markup('<a href="{}">{}</a>').format(url, label)


def _duration(value: timedelta | None) -> str:
    return humanize(value.total_seconds()) if value is not None else "n/a"


def _clock(at: datetime | None, seconds: bool = False) -> str:
    if at is None:
        return "n/a"
    # Formatted by hand: strftime is a tenth of a 10,000-message render.
    clock = f"{at.year:04d}-{at.month:02d}-{at.day:02d} {at.hour:02d}:{at.minute:02d}"
    return f"{clock}:{at.second:02d} {at.tzname()}" if seconds else f"{clock} {at.tzname()}"


@lru_cache(maxsize=8)
def _environment(output: Format, template_dir: Path | None) -> Environment:
    """The operator's templates run sandboxed; the bundled ones are ours, and the sandbox's checks on
    every attribute would cost a large incident a third of its render time."""
    markdown = output is Format.MARKDOWN
    kind = ImmutableSandboxedEnvironment if template_dir else Environment
    environment = kind(
        loader=FileSystemLoader(template_dir) if template_dir else TEMPLATES,
        autoescape=not markdown,
        finalize=markdown_escape if markdown else None,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(duration=_duration, clock=_clock)
    environment.globals["link"] = _link_markdown if markdown else _link_html
    environment.globals["raw"] = MarkdownSafe if markdown else Markup
    return environment


def operator_template(output: Format, template_dir: Path | None) -> Path | None:
    """The folder holding the operator's template for this format, if they replaced it."""
    if template_dir is not None and (template_dir / output.template).is_file():
        return template_dir
    return None  # none, or the operator replaced only the other format


def render(document: Postmortem, output: Format, *, template_dir: Path | None = None) -> str:
    """Renders in this thread: bot/postmortem/isolated.py runs operator templates in a child process."""
    template_dir = operator_template(output, template_dir)
    try:
        template = _environment(output, template_dir).get_template(output.template)
        return template.render(pm=document, incident=document.incident)
    except TemplateError as exc:
        raise TemplateFailed(output, template_dir, str(exc)) from exc
