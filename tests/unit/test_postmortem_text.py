"""Captured Slack text becomes what people saw, then is escaped so Markdown shows it literally."""

from __future__ import annotations

import pytest

from bot.postmortem.document import plain_text
from bot.postmortem.render import MarkdownSafe, markdown_escape


@pytest.mark.parametrize(
    ("slack", "seen"),
    [
        ("<@U123> look", "@Alice look"),
        ("<@U999|bob> look", "@bob look"),
        ("see <#C42|incidents>", "see #incidents"),
        ("<!here> <!channel>", "@here @channel"),
        ("<https://grafana.example/d/1|dashboard>", "dashboard (https://grafana.example/d/1)"),
        ("<https://x.example>", "https://x.example"),
        ("a &lt;b&gt; &amp; c", "a <b> & c"),
        ("<!date^1700000000^{date}|Nov 14>", "Nov 14"),
    ],
)
def test_slack_markup_becomes_what_people_saw(slack: str, seen: str) -> None:
    assert plain_text(slack, {"U123": "Alice"}) == seen


def test_markdown_escape_shows_hostile_text_literally() -> None:
    escaped = markdown_escape("<img src=x onerror=alert(1)> [a](javascript:x) **b** # c\n- d")
    assert escaped == ("&lt;img src=x onerror=alert\\(1\\)&gt; \\[a\\]\\(javascript:x\\) \\*\\*b\\*\\* \\# c<br>- d")
    assert markdown_escape(MarkdownSafe("[ok](https://x)")) == "[ok](https://x)"
    assert markdown_escape(None) == ""
