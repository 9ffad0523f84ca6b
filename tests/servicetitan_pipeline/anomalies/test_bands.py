"""The UI's read API: a credential's volumes against their bands, and the anomalies firing now."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servicetitan_devtools.slack_receiver import SlackReceiver
from servicetitan_pipeline.anomalies.bands import credential_bands, current_anomalies
from servicetitan_pipeline.anomalies.settings import AnomalySettings
from servicetitan_pipeline.db.models import ServiceTitanAlert, ServiceTitanCredential
from tests.factories import make_alert, make_credential
from tests.servicetitan_pipeline.anomalies.test_rules import fifteen_minutes
from tests.servicetitan_pipeline.anomalies.volumes import NOW, add_syncs, hours, steady


def test_a_credentials_syncs_and_days_against_their_bands(
    session: Session, engine: Engine, slack: SlackReceiver
) -> None:
    credential = make_credential(tenant_id=1751)
    session.add(credential)
    session.commit()
    add_syncs(engine, credential.id, hours(NOW.replace(minute=0), 28), steady())
    add_syncs(engine, credential.id, [NOW.replace(minute=5)], lambda _m: 4)
    since = NOW - timedelta(days=2)
    customers, invoices = credential_bands(engine, credential.id, since, NOW + timedelta(hours=1), AnomalySettings())
    assert (customers.resource, customers.syncs, customers.days) == ("customers", [], [])
    assert invoices.resource == "invoices"
    assert [point.at for point in invoices.syncs] == [*hours(NOW.replace(minute=0), 2)[1:], NOW.replace(minute=5)]
    assert all(point.expected is not None for point in invoices.syncs)  # four weeks of history: every one judged
    outside = [point for point in invoices.syncs if point.outside]
    assert [(point.at, point.actual) for point in outside] == [(NOW.replace(minute=5), 4.0)]
    assert outside[0].low is not None
    assert outside[0].low > 4
    # The two complete days (Monday, Tuesday); Wednesday is still going.
    assert [point.at for point in invoices.days] == [
        since.replace(hour=0, minute=0),
        NOW.replace(hour=0, minute=0) - timedelta(days=1),
    ]
    assert not any(point.outside for point in invoices.days)

    assert current_anomalies(engine) == []
    fifteen_minutes(engine, NOW)
    (anomaly,) = current_anomalies(engine)
    assert (anomaly["rule"], anomaly["resource"], anomaly["credential_id"]) == (
        "volume_anomaly",
        "invoices",
        credential.id,
    )
    assert anomaly["numbers"]["actual"] == 4


def test_the_anomalies_firing_now_read_the_resource_the_alert_recorded_and_the_credential_as_it_is_now(
    session: Session, engine: Engine, slack: SlackReceiver
) -> None:
    credential = make_credential(tenant_id=1752, company_name="Old Name Plumbing")
    session.add(credential)
    session.commit()
    add_syncs(engine, credential.id, hours(NOW.replace(minute=0), 28), steady())
    add_syncs(engine, credential.id, [NOW.replace(minute=5)], lambda _m: 4)
    fifteen_minutes(engine, NOW)
    fired = session.get(ServiceTitanAlert, "volume_anomaly:invoices:integration:1752")
    assert fired is not None
    assert fired.details is not None
    assert fired.details["resource"] == "invoices"  # new alerts record their resource
    # An alert raised before alerts recorded their resource: it is read from the key.
    session.add(
        make_alert(
            credential,
            "freshness_anomaly:customers:integration:1752",
            summary="customers: the newest record loaded was modified 30.0 h ago",
            details={"company": "Old Name Plumbing", "environment": "integration", "numbers": {"lag_hours": 30.0}},
            first_seen_at=NOW - timedelta(hours=2),
            last_seen_at=NOW,
        )
    )
    session.execute(
        sa.update(ServiceTitanCredential)
        .where(ServiceTitanCredential.id == credential.id)
        .values(company_name="New Name Co")
    )
    session.commit()

    volume, freshness = current_anomalies(engine)  # newest first
    assert (volume["rule"], volume["resource"]) == ("volume_anomaly", "invoices")
    assert (freshness["rule"], freshness["resource"]) == ("freshness_anomaly", "customers")
    assert freshness["numbers"] == {"lag_hours": 30.0}
    for anomaly in (volume, freshness):
        assert (anomaly["company"], anomaly["environment"]) == ("New Name Co", "integration")
        assert anomaly["credential_id"] == credential.id
    # The recorded resource, not the key's part, is the one read.
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE servicetitan_alerts SET details = jsonb_set(details, '{resource}', '\"customers\"')"
                " WHERE rule = 'volume_anomaly'"
            )
        )
    assert current_anomalies(engine)[0]["resource"] == "customers"
