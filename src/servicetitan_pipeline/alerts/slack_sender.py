"""Posting to Slack through the Slack provider's incoming-webhook hook (connection ``slack_alerts``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from servicetitan_pipeline.connection_ids import SLACK_ALERTS

SendToSlack = Callable[[str, list[dict[str, Any]]], None]


def slack_webhook_sender(conn_id: str = SLACK_ALERTS) -> SendToSlack:
    def send(text: str, blocks: list[dict[str, Any]]) -> None:
        from airflow.providers.slack.hooks.slack_webhook import SlackWebhookHook

        # The hook raises on any answer but 200: the caller keeps the alerts pending.
        SlackWebhookHook(slack_webhook_conn_id=conn_id).send(text=text, blocks=blocks)

    return send
