"""The local Slack webhook receiver answers like Slack and keeps what it was sent."""

from __future__ import annotations

import httpx

from servicetitan_devtools.slack_receiver import SlackReceiver


def test_keeps_messages_and_answers_like_slack() -> None:
    with SlackReceiver() as slack:
        ok = httpx.post(slack.webhook_url, json={"text": "hello", "blocks": [{"type": "section"}]})
        assert (ok.status_code, ok.text) == (200, "ok")
        empty = httpx.post(slack.webhook_url, json={"username": "no text"})
        assert (empty.status_code, empty.text) == (400, "no_text")
        garbage = httpx.post(slack.webhook_url, content=b"{not json")
        assert garbage.status_code == 400
        assert httpx.get(f"{slack.base_url}/messages").json() == [{"text": "hello", "blocks": [{"type": "section"}]}]
        httpx.delete(f"{slack.base_url}/messages")
        assert slack.snapshot() == []


def test_outage_answers_503_and_keeps_nothing() -> None:
    with SlackReceiver() as slack:
        httpx.post(f"{slack.base_url}/outage", json={"down": True})
        assert httpx.post(slack.webhook_url, json={"text": "lost?"}).status_code == 503
        httpx.post(f"{slack.base_url}/outage", json={"down": False})
        assert httpx.post(slack.webhook_url, json={"text": "back"}).status_code == 200
        assert [m["text"] for m in slack.snapshot()] == ["back"]


def test_a_message_as_text_reads_as_slack_shows_it() -> None:
    from servicetitan_devtools.slack_receiver import as_text

    message = {
        "text": "fallback",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "1 ServiceTitan alert firing"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "a &lt;b&gt; <https://x.example/c|Fix it>"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "<https://x.example/d|Dashboard>"}]},
        ],
    }
    assert as_text(message) == (
        "1 ServiceTitan alert firing\na <b> Fix it (https://x.example/c)\nDashboard (https://x.example/d)"
    )
    assert as_text({"text": "plain only"}) == "plain only"
