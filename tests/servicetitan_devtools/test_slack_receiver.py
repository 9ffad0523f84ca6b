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
