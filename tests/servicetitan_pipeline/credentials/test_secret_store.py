"""A credential's secrets in its Airflow connection: hidden wherever Airflow shows a connection."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from servicetitan_pipeline.credentials.secret_store import (
    APP_KEY_FIELD,
    CredentialSecrets,
    connection_extra,
    upgrade_extra,
)

SECRETS = CredentialSecrets(client_id="acme-client", client_secret="acme-client-secret", app_key="acme-app-key")


def stored_connection() -> dict[str, object]:
    """What a ``servicetitan`` connection holds, as the REST API serialises it."""
    extra = connection_extra(SECRETS, tenant_id=1001, environment="integration", base_url="http://127.0.0.1:9")
    return {"login": SECRETS.client_id, "password": SECRETS.client_secret, "extra": extra}


@pytest.mark.parametrize("module", ["airflow._shared.secrets_masker", "airflow.sdk._shared.secrets_masker"])
def test_airflow_redacts_every_secret_of_the_connection(module: str) -> None:
    # The API server's masker and the task SDK's (task logs) decide by field name alone.
    import importlib

    redact = importlib.import_module(module).redact
    redacted = redact(stored_connection())
    assert redacted["password"] == "***"
    assert redacted["extra"][APP_KEY_FIELD] == "***"
    text = json.dumps(redacted)
    for secret in (SECRETS.client_secret, SECRETS.app_key):
        assert secret not in text
    # What is not secret stays readable.
    assert redacted["login"] == "acme-client"
    assert {k: v for k, v in redacted["extra"].items() if k != APP_KEY_FIELD} == {
        "tenant_id": 1001,
        "environment": "integration",
        "base_url": "http://127.0.0.1:9",
    }


@pytest.mark.parametrize("old_field", ["app_key", "extra__servicetitan__app_key"])
def test_upgrade_moves_the_app_key_of_earlier_connections(old_field: str) -> None:
    extra = {"tenant_id": 1001, "environment": "integration", old_field: "old-app-key"}
    assert upgrade_extra(extra) == {"tenant_id": 1001, "environment": "integration", APP_KEY_FIELD: "old-app-key"}


def test_upgrade_makes_a_tenant_id_stored_as_text_a_number() -> None:
    assert upgrade_extra({"tenant_id": "1001", APP_KEY_FIELD: "k"}) == {"tenant_id": 1001, APP_KEY_FIELD: "k"}


def test_upgrade_keeps_a_current_app_key_and_drops_the_old_one() -> None:
    assert upgrade_extra({APP_KEY_FIELD: "new-app-key", "app_key": "old-app-key"}) == {APP_KEY_FIELD: "new-app-key"}


def test_reading_a_stored_connection_registers_no_short_secret(caplog: pytest.LogCaptureFixture) -> None:
    # What Airflow does with the extras whenever a connection is read (Connection.extra_dejson): each text
    # value is registered with the log masker, which warns of one shorter than 5 characters (once a process).
    from airflow._shared.secrets_masker import SecretsMasker, mask_secret

    already_warned = SecretsMasker._has_warned_short_secret
    SecretsMasker._has_warned_short_secret = False
    try:
        with caplog.at_level(logging.WARNING):
            mask_secret(stored_connection()["extra"])
    finally:
        SecretsMasker._has_warned_short_secret = already_warned
    assert "too short" not in caplog.text


def test_upgrade_leaves_current_connections_alone() -> None:
    assert upgrade_extra(connection_extra(SECRETS, tenant_id=1001, environment="integration", base_url=None)) is None


@pytest.mark.usefixtures("clean_db", "airflow_connections")
def test_rest_api_shows_no_secret_of_an_onboarded_credential(
    airflow_api: TestClient, airflow_api_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from servicetitan_pipeline.cli.main import main

    monkeypatch.setenv("SERVICETITAN_CLIENT_SECRET", SECRETS.client_secret)
    monkeypatch.setenv("SERVICETITAN_APP_KEY", SECRETS.app_key)
    onboarding = ["--company", "Acme", "--environment", "integration", "--tenant-id", "1001", "--client-id", "c-1"]
    assert main(["credentials", "add", *onboarding]) == 0

    one = airflow_api.get("/api/v2/connections/servicetitan_integration_1001", headers=airflow_api_headers)
    assert one.status_code == 200, one.text
    assert one.json()["password"] == "***"
    assert json.loads(one.json()["extra"])[APP_KEY_FIELD] == "***"
    listing = airflow_api.get("/api/v2/connections", headers=airflow_api_headers, params={"limit": 100})
    assert listing.status_code == 200, listing.text
    assert "servicetitan_integration_1001" in listing.text
    for body in (one.text, listing.text):
        assert SECRETS.client_secret not in body
        assert SECRETS.app_key not in body


def test_rest_api_shows_no_slack_webhook_url(airflow_api: TestClient, airflow_api_headers: dict[str, str]) -> None:
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session

    # As airflow_settings.yaml and the demo define slack_alerts: the webhook URL in the password.
    conn_id, url = "slack_alerts_redaction_test", "https://hooks.slack.com/services/T000/B000/very-secret-path"
    with create_session() as session:
        session.query(Connection).filter(Connection.conn_id == conn_id).delete()
        session.add(Connection(conn_id=conn_id, conn_type="slackwebhook", password=url))
    try:
        answer = airflow_api.get(f"/api/v2/connections/{conn_id}", headers=airflow_api_headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["password"] == "***"
        assert "very-secret-path" not in answer.text
    finally:
        with create_session() as session:
            session.query(Connection).filter(Connection.conn_id == conn_id).delete()


@pytest.mark.usefixtures("airflow_connections")
def test_saving_leaves_the_log_masker_alone_and_stores_the_secret_encrypted() -> None:
    from airflow._shared.secrets_masker import _secrets_masker
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session

    from servicetitan_pipeline.credentials.secret_store import AirflowConnectionSecretStore

    secrets = CredentialSecrets(
        client_id="bulk-client", client_secret="bulk-client-secret-4242", app_key="bulk-app-key"
    )
    masker = _secrets_masker()
    before = set(masker.patterns)
    AirflowConnectionSecretStore().save(
        "servicetitan_integration_4242",
        description="ServiceTitan: Bulk",
        secrets=secrets,
        tenant_id=4242,
        environment="integration",
        base_url=None,
    )
    # Every secret registered made each later save recompile one pattern of all of them: onboarding n
    # credentials in one process cost O(n) each.
    assert masker.patterns == before
    with create_session() as session:
        stored = session.query(Connection).filter(Connection.conn_id == "servicetitan_integration_4242").one()
        assert stored.is_encrypted
        assert secrets.client_secret not in (stored._password or "")
        assert stored.password == secrets.client_secret
