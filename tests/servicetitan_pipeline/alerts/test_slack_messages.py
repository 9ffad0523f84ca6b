"""Each kind of monitor message, rendered as Slack shows it: one alert per root cause, first seen, the tenant named
once, links to the connection to fix and the failed runs; the digest's counts, plurals and failing credentials,
and no second copy of an unchanged digest."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servicetitan_devtools.slack_receiver import SlackReceiver
from servicetitan_pipeline.alerts.monitor import run_health_monitor
from servicetitan_pipeline.alerts.settings import AlertSettings
from tests.factories import make_credential, make_sync_log

BASE = "https://airflow.example.com"


def rendered(message: dict[str, Any]) -> str:
    """What Slack shows: the blocks' text, one block a paragraph."""
    texts = []
    for block in message["blocks"]:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts.extend(element["text"] for element in block.get("elements", []))
    return "\n\n".join(texts)


@pytest.fixture(autouse=True)
def _base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", BASE)


class TestOneAlertPerCause:
    def test_a_refused_secret_is_one_alert_naming_its_echoes(self, make_world: Any, slack: SlackReceiver) -> None:
        from tests.sync_world import tenant

        world = make_world(tenant(1001), tenant(1003, faults={"invalid_credentials": True}))
        self._refuse(world.engine, 1003)

        report = run_health_monitor(world.engine, AlertSettings(api_sample_size=3))

        # Both rules judged it (each fires and will resolve on its own evidence) ...
        assert {"credential_error:integration:1003", "api_unreachable:integration:1003"} <= set(report.conditions)
        # ... but Slack hears of the cause once.
        assert report.sent == ["firing:credential_error:integration:1003"]
        alert, _digest = slack.snapshot()
        text = rendered(alert)
        print(text)
        assert alert["text"].startswith("1 ServiceTitan alert firing: HIGH credentials refused for Crest")
        assert text.count("invalid_client") == 1  # the error once, not twice
        assert "api unreachable" not in text.lower()
        assert "Also explains: credentials refused (API check) (same cause, not sent apart)" in text
        assert "(integration, tenant 1003)" in text
        assert "integration:1003" not in text
        assert "First seen 20" in text
        assert " UTC" in text
        conn_id = self._conn_id(world.engine, 1003)
        assert f"<{BASE}/connections?name_pattern={conn_id}|Fix the connection {conn_id}>" in text
        run = "scheduled__2026-12-03T11%3A00%3A00%2B00%3A00"
        assert f"<{BASE}/dags/servicetitan_sync/runs/{run}/tasks/sync/mapped/2|Log of the latest failed sync>" in text
        assert f"<{BASE}/dags/servicetitan_sync/runs?state=failed|Failed sync runs>" in text
        held = self._alert(world.engine, "api_unreachable:integration:1003")
        assert (held.state, held.pending_notification, held.last_sent_at) == ("firing", "firing", None)

    def test_when_the_cause_clears_an_echo_still_failing_goes_out_on_its_own(
        self, make_world: Any, slack: SlackReceiver
    ) -> None:
        from tests.sync_world import tenant

        world = make_world(tenant(1003, faults={"invalid_credentials": True}))
        self._refuse(world.engine, 1003)
        run_health_monitor(world.engine, AlertSettings(api_sample_size=1))
        slack.clear()
        # Someone marked the credential connected again, but the API still refuses it: the credential_error
        # alert resolves (its evidence cleared), and the API check's alert, still firing, is sent now.
        with world.engine.begin() as conn:
            conn.execute(sa.text("UPDATE servicetitan_credentials SET connection_status = 'connected'"))

        report = run_health_monitor(world.engine, AlertSettings(api_sample_size=1))

        assert sorted(report.sent) == [
            "firing:api_unreachable:integration:1003",
            "resolved:credential_error:integration:1003",
        ]
        text = rendered(slack.snapshot()[0])
        print(text)
        assert "HIGH · credentials refused (API check)* · *Crest" in text
        assert "ServiceTitan refused a token for this credential" in text
        assert ":white_check_mark: *Resolved* · credentials refused · *Crest" in text

    @staticmethod
    def _refuse(engine: Engine, tenant_id: int) -> None:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "UPDATE servicetitan_credentials SET connection_status = 'error', company_name = 'Crest Electric',"
                    " last_error = 'ServiceTitan refused the credentials (invalid_client): the client secret is"
                    " wrong or revoked' WHERE tenant_id = :t"
                ),
                {"t": tenant_id},
            )
            # Its latest sync failed in a DAG run, which its row records (the message links that task's log, not
            # an earlier failure's).
            for ago, run, map_index in [("1 minute", "11:00", 2), ("2 hours", "09:00", 0)]:
                conn.execute(
                    sa.text(
                        "INSERT INTO servicetitan_sync_logs (id, credential_id, sync_type, data_type, status,"
                        " started_at, completed_at, airflow_run_id, airflow_map_index) SELECT gen_random_uuid(), id,"
                        " 'scheduled', 'both', 'failed', now() - CAST(:ago AS interval),"
                        " now() - CAST(:ago AS interval), :run, :map_index"
                        " FROM servicetitan_credentials WHERE tenant_id = :t"
                    ),
                    {
                        "t": tenant_id,
                        "ago": ago,
                        "run": f"scheduled__2026-12-03T{run}:00+00:00",
                        "map_index": map_index,
                    },
                )

    @staticmethod
    def _conn_id(engine: Engine, tenant_id: int) -> str:
        with engine.connect() as conn:
            return str(
                conn.execute(
                    sa.text("SELECT airflow_conn_id FROM servicetitan_credentials WHERE tenant_id = :t"),
                    {"t": tenant_id},
                ).scalar_one()
            )

    @staticmethod
    def _alert(engine: Engine, key: str) -> Any:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT * FROM servicetitan_alerts WHERE key = :k"), {"k": key}).one()


class TestDigest:
    def test_counts_plurals_failing_credentials_and_no_second_copy(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        good = make_credential(tenant_id=1001, company_name="Acme Plumbing")
        bad = make_credential(tenant_id=1003, company_name="Crest Electric", airflow_conn_id="servicetitan_crest")
        session.add_all([good, bad])
        now = datetime.now(UTC)
        session.add(
            make_sync_log(
                good,
                started_at=now - timedelta(hours=1),
                completed_at=now - timedelta(minutes=59),
                records_processed=3000,
                records_successful=2988,
                records_failed=12,
            )
        )
        session.add(
            make_sync_log(
                bad,
                status="failed",
                started_at=now - timedelta(hours=1),
                completed_at=now - timedelta(minutes=59),
                records_processed=0,
                records_successful=0,
                records_failed=0,
                error_message="ServiceTitan refused the credentials (invalid_client)\nTraceback (most recent call):",
            )
        )
        session.commit()

        first = run_health_monitor(engine, AlertSettings(api_sample_size=0))

        (digest,) = [m for m in slack.snapshot() if m["text"].startswith("ServiceTitan, last 6 hours")]
        text = rendered(digest)
        print(digest["text"], "\n", text)
        assert first.digest_sent
        assert digest["text"] == (
            "ServiceTitan, last 6 hours: 2 syncs; failing: Crest Electric (integration, tenant 1003); 0 alerts firing"
        )
        assert "*completed*: 1 sync, 3,000 records (12 bad), 1 credential" in text
        assert "*failed*: 1 sync, 0 records, 1 credential" in text
        assert (
            "• *Crest Electric* (integration, tenant 1003): 1 failed sync, latest: ServiceTitan refused the"
            f" credentials (invalid_client)  <{BASE}/connections?name_pattern=servicetitan_crest|connection>"
        ) in text
        assert "Traceback" not in text
        assert "1 syncs" not in text
        assert "3000" not in text
        assert f"<{BASE}/dags/servicetitan_sync/runs?state=failed|Failed sync runs>" in text

        slack.clear()
        again = run_health_monitor(engine, AlertSettings(api_sample_size=0))
        assert (again.digest_sent, again.digest_unchanged) == (False, True)
        assert slack.snapshot() == []

        # Something new (or the window passed): a new digest.
        session.add(make_sync_log(good, started_at=now - timedelta(minutes=5), completed_at=now))
        session.commit()
        assert run_health_monitor(engine, AlertSettings(api_sample_size=0)).digest_sent
        assert json.dumps(slack.snapshot()).count("ServiceTitan, last 6 hours: 3 syncs") == 1

    def test_the_same_digest_goes_out_again_once_its_window_passed(
        self, clean_db: Engine, slack: SlackReceiver
    ) -> None:
        from servicetitan_pipeline.alerts.slack_messages import DIGEST_HOURS

        assert run_health_monitor(clean_db, AlertSettings(api_sample_size=0)).digest_sent
        assert run_health_monitor(clean_db, AlertSettings(api_sample_size=0)).digest_unchanged
        # The window passing: the notification log's last send grows older than the window.
        with clean_db.begin() as conn:
            names = conn.execute(
                sa.text(
                    "UPDATE servicetitan_notification_log SET sent_at = sent_at - make_interval(hours => :hours)"
                    " RETURNING name"
                ),
                {"hours": DIGEST_HOURS},
            ).scalars()
            assert list(names) == ["digest"]
        again = run_health_monitor(clean_db, AlertSettings(api_sample_size=0))
        assert (again.digest_sent, again.digest_unchanged) == (True, False)
        digests = [m for m in slack.snapshot() if m["text"].startswith("ServiceTitan, last 6 hours")]
        assert len(digests) == 2
        assert digests[0]["text"] == digests[1]["text"]  # the same content, sent again
