"""`make demo`'s anomaly section: a field retyped by the sandbox is caught by the 15-minute monitor, in Slack."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from servicetitan_devtools.demo import catch_schema_drift
from servicetitan_devtools.demo_world import FIRST_SYNC_DAYS_BACK, first_sync_in_the_past
from servicetitan_pipeline.sql_files import load_sql
from tests.sync_world import SyncWorld, tenant

# Every timestamp the section's syncs and monitor write, in the tables the dashboard and pages read.
DATED = {
    "servicetitan_sync_logs": ("started_at", "completed_at"),
    "servicetitan_sync_volumes": ("started_at", "completed_at"),
    "servicetitan_alerts": ("first_seen_at", "last_seen_at", "last_sent_at", "resolved_at"),
}


def _dated_after(world: SyncWorld, moment: datetime) -> dict[str, int]:
    with world.engine.connect() as conn:
        return {
            f"{table}.{column}": conn.execute(
                sa.text(f"SELECT count(*) FROM {table} WHERE {column} > :moment"), {"moment": moment}
            ).scalar_one()
            for table, columns in DATED.items()
            for column in columns
        }


def test_the_demo_catches_a_retyped_field_and_dates_nothing_after_now(make_world: Callable[..., SyncWorld]) -> None:
    world = make_world(tenant(1004, customers=20, invoices=200))
    first = first_sync_in_the_past(1004, world.engine)  # what demo_world does when it onboards the drift tenant
    assert first is not None
    assert first < datetime.now(UTC) - timedelta(days=FIRST_SYNC_DAYS_BACK - 1)
    assert first_sync_in_the_past(1004, world.engine) is None  # once only: the next world finds it synced
    # Validated at once: the next DAG run validates what it loads, not this sync too.
    with world.engine.connect() as conn:
        assert conn.execute(sa.text(load_sql("data_quality/select_syncs_awaiting_validation"))).all() == []
    world.sync(1004)  # what the demo's DAG run does: resumes, nothing new
    messages: list[dict[str, Any]] = []
    position = "SELECT continue_from FROM servicetitan_sync_checkpoints WHERE resource = 'invoices'"
    with world.engine.connect() as conn:
        before = conn.execute(sa.text(position)).scalar_one()

    def run() -> list[str]:
        lines = catch_schema_drift(
            world.engine,
            world.server.base_url,
            1004,
            lambda text, blocks: messages.append({"text": text, "blocks": blocks}),
        )
        print("\n" + "\n".join(lines))
        after = _dated_after(world, datetime.now(UTC))
        assert not any(after.values()), after
        return lines

    lines = run()
    credential = world.credentials[1004]
    alert = f"schema_drift:invoices:{credential.environment}:{credential.tenant_id}"
    assert lines[0] == f"its invoices first profiled: {first:%Y-%m-%d %H:%M} UTC (simulated when onboarded)"
    assert lines[-1].startswith("15-minute monitor at ")
    assert f"{alert} (sent to Slack)" in lines[-1]
    (message,) = messages
    shown = json.dumps(message, ensure_ascii=False)
    assert "source fields changed" in shown
    assert "retyped: summary (string → number)" in shown
    assert "Company 1004" in shown

    # The next demo, within the rule's window: found again, not sent twice.
    again = run()
    assert f"{alert} (already sent)" in again[-1]
    assert len(messages) == 1
    with world.engine.connect() as conn:
        drift_alerts = "SELECT count(*) FROM servicetitan_alerts WHERE rule = 'schema_drift'"
        assert conn.execute(sa.text(drift_alerts)).scalar_one() == 1
        # The export position stays one of the tenant's initial history, which every later sandbox serves.
        assert conn.execute(sa.text(position)).scalar_one() == before
