"""`make demo`'s anomaly section: a field retyped by the sandbox is caught by the 15-minute monitor, in Slack."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from servicetitan_devtools.demo import catch_schema_drift
from tests.sync_world import SyncWorld, tenant


def test_the_demo_catches_a_retyped_field(make_world: Callable[..., SyncWorld]) -> None:
    world = make_world(tenant(1001, customers=20, invoices=200))
    world.sync(1001)  # what the demo's DAG run does: the tenant's first profile, now
    messages: list[dict[str, Any]] = []
    position = "SELECT continue_from FROM servicetitan_sync_checkpoints WHERE resource = 'invoices'"
    with world.engine.connect() as conn:
        before = conn.execute(sa.text(position)).scalar_one()

    lines = catch_schema_drift(
        world.engine,
        world.server.base_url,
        1001,
        lambda text, blocks: messages.append({"text": text, "blocks": blocks}),
    )
    print("\n" + "\n".join(lines))
    credential = world.credentials[1001]
    assert lines[-1].startswith("15-minute monitor at ")
    assert f"schema_drift:invoices:{credential.environment}:{credential.tenant_id} (sent to Slack)" in lines[-1]
    (message,) = messages
    shown = json.dumps(message, ensure_ascii=False)
    assert "source fields changed" in shown
    assert "retyped: summary (string → number)" in shown
    assert "Company 1001" in shown
    # The next demo's sandbox restarts at generation 0: it resumes from the DAG run's position.
    with world.engine.connect() as conn:
        assert conn.execute(sa.text(position)).scalar_one() == before
