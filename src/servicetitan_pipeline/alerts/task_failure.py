"""Slack line for a failed servicetitan_sync task (after its last retry), via the Slack provider's notifier."""

from __future__ import annotations

from typing import Any

from servicetitan_pipeline.connection_ids import SLACK_ALERTS

FAILURE_TEXT = (
    ":x: servicetitan_sync: task {{ ti.task_id }} failed for {{ ti.rendered_map_index or 'all credentials' }} "
    "(try {{ ti.try_number }}). Log: {{ ti.log_url }}"
)


def notify_task_failure(context: Any) -> None:
    from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier

    SlackWebhookNotifier(slack_webhook_conn_id=SLACK_ALERTS, text=FAILURE_TEXT)(context)
