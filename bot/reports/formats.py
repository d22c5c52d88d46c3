"""A report's tables written out as Markdown, CSV or a standalone HTML page (`oncall-bot report --format`)."""

from __future__ import annotations

import csv
import html
import io
import json

from bot import texts
from bot.reports.export import to_json
from bot.reports.report import Report
from bot.reports.tables import Table, tables


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown_table(table: Table) -> str:
    lines = [f"## {table.title}", "", "| " + " | ".join(table.headers) + " |", "|" + "---|" * len(table.headers)]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in table.rows]
    if not table.rows:
        lines.append("| " + " | ".join(["–"] * len(table.headers)) + " |")
    return "\n".join(lines)


def span(report: Report) -> str:
    """From and to, in the bot's zone: `2026-11-01 00:00 – 2026-12-01 00:00 Europe/Madrid`."""
    start, end, zone = report.period.start, report.period.end, report.zone
    return f"{start.astimezone(zone):%Y-%m-%d %H:%M} – {end.astimezone(zone):%Y-%m-%d %H:%M} {zone.key}"


def title(report: Report) -> str:
    return texts.reports.heading(report.period.label, ", ".join(report.services) or None)


def _title(report: Report) -> str:
    return f"{title(report)} ({span(report)})"


def markdown(report: Report) -> str:
    parts = [f"# {_title(report)}", *(_markdown_table(table) for table in tables(report))]
    return "\n\n".join(parts) + "\n"


def csv_text(report: Report) -> str:
    """One CSV: each row starts with its table's key, each table's header row included, so a sheet can filter."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for table in tables(report):
        writer.writerow([table.key, *table.headers])
        writer.writerows([table.key, *row] for row in table.rows)
    return out.getvalue()


def html_tables(report: Report) -> str:
    parts = []
    for table in tables(report):
        head = "".join(f"<th>{html.escape(cell)}</th>" for cell in table.headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in table.rows
        )
        parts.append(
            f'<h2>{html.escape(table.title)}</h2>\n<table id="{table.key}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>"
        )
    return "\n".join(parts)


def html_page(report: Report) -> str:
    title = html.escape(_title(report))
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1>\n{html_tables(report)}\n</body></html>\n"
    )


def render(report: Report, output: str) -> str:
    if output == "json":
        return json.dumps(to_json(report), indent=2) + "\n"
    if output == "csv":
        return csv_text(report)
    if output == "html":
        return html_page(report)
    return markdown(report)
