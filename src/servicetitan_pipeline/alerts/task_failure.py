"""Slack line for a failed servicetitan_sync task (after its last retry), via the Slack provider's notifier."""

from __future__ import annotations

from typing import Any

from servicetitan_pipeline.connection_ids import SLACK_ALERTS

# A batch's failure names its failed tenants (``failed_tenants``), not the batch; another task names its
# map index, if any.
FAILURE_TEXT = (
    ":x: servicetitan_sync: task {{ ti.task_id }} failed for "
    "{{ failed_tenants or ti.rendered_map_index or 'all credentials' }} "
    "(try {{ ti.try_number }}). Log: {{ ti.log_url }}"
)


_NAMED = 10  # a Slack line names this many failed tenants; the task log names them all


def failed_tenants(exception: object) -> str:
    """The tenants a failed batch names (``TenantsFailed.failed_tenants``), joined; empty for any other failure."""
    labels = [str(label) for label in getattr(exception, "failed_tenants", None) or []]
    more = f" and {len(labels) - _NAMED:,} more" if len(labels) > _NAMED else ""
    return ", ".join(labels[:_NAMED]) + more


def notify_task_failure(context: Any) -> None:
    from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier

    # Given to the template as a value, never spliced into it: a company name is not Jinja.
    context["failed_tenants"] = failed_tenants(context.get("exception"))
    SlackWebhookNotifier(slack_webhook_conn_id=SLACK_ALERTS, text=FAILURE_TEXT)(context)
