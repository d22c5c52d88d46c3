"""The demo draws Slack's mrkdwn for a terminal: what Slack would show, not its markup."""

from __future__ import annotations

from handlers.cli.demo.markup import Names, render

NAMES = Names(user={"U0ALICE": "alice"}.get, channel={"C0INC1": "inc-1-checkout"}.get)


def test_bold_italic_and_strike_only_at_word_edges() -> None:
    text = render("*INC-1* is _down_ ~again~; 3*4*5 and snake_case_name stay", NAMES)
    assert text.plain == "INC-1 is down again; 3*4*5 and snake_case_name stay"
    styles = {text.plain[span.start : span.end]: str(span.style) for span in text.spans}
    assert styles == {"INC-1": "bold", "down": "italic", "again": "strike"}


def test_mentions_channels_and_dates_read_as_names() -> None:
    text = render("<@U0ALICE> in <#C0INC1> <!here> <!date^1700000000^{date}|2023-11-14 22:13 UTC> <@U0GONE>", NAMES)
    assert text.plain == "@alice in #inc-1-checkout @here 2023-11-14 22:13 UTC @U0GONE"


def test_links_show_their_label_and_where_they_go() -> None:
    text = render("<https://runbooks.example.com/a?b=1&amp;c=2|Runbook> <https://example.com>", NAMES)
    assert text.plain == "Runbook ‹https://runbooks.example.com/a?b=1&c=2› https://example.com"


def test_emoji_escapes_code_and_quotes() -> None:
    text = render("&gt; :large_orange_circle: SEV2 :pushpin: `a *b* &lt;c&gt;` :not_an_emoji: 14:02:30", NAMES)
    assert text.plain == "▎ 🟠 SEV2 📌 a *b* <c> :not_an_emoji: 14:02:30"
