"""The hook reads its credential from an Airflow connection and registers the connection type."""

from __future__ import annotations

import json

import httpx
import pytest

from servicetitan_pipeline.servicetitan.hook import ConnectionConfigError, ServiceTitanHook


def set_connection(monkeypatch: pytest.MonkeyPatch, conn_id: str, **fields: object) -> None:
    values: dict[str, object] = {
        "conn_type": "servicetitan",
        "login": "client-id",
        "password": "client-secret-value",
        "extra": {"tenant_id": "1001", "environment": "integration", "app_api_key": "app-key-value"},
    }
    values.update(fields)
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(values))


def test_credentials_from_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    set_connection(
        monkeypatch,
        "st_hook_test",
        extra={
            "tenant_id": "1001",
            "environment": "integration",
            "app_api_key": "app-key-value",
            "base_url": "http://127.0.0.1:9",
        },
    )
    credentials = ServiceTitanHook("st_hook_test").credentials
    assert credentials.tenant_id == 1001
    assert credentials.environment == "integration"
    assert credentials.client_id == "client-id"
    assert credentials.client_secret == "client-secret-value"
    assert credentials.app_key == "app-key-value"
    assert credentials.base_url == "http://127.0.0.1:9"
    assert credentials.label == "tenant 1001 (integration, connection 'st_hook_test')"
    assert "client-secret-value" not in repr(credentials)
    assert "app-key-value" not in repr(credentials)


def test_prefixed_extras_from_older_forms_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    set_connection(
        monkeypatch,
        "st_hook_test",
        extra={"extra__servicetitan__tenant_id": "5", "extra__servicetitan__app_key": "k"},
    )
    credentials = ServiceTitanHook("st_hook_test").credentials
    assert (credentials.tenant_id, credentials.environment, credentials.app_key) == (5, "production", "k")


def test_app_key_of_connections_stored_before_is_still_read(monkeypatch: pytest.MonkeyPatch) -> None:
    set_connection(monkeypatch, "st_hook_test", extra={"tenant_id": "1001", "app_key": "old-app-key-value"})
    assert ServiceTitanHook("st_hook_test").credentials.app_key == "old-app-key-value"


def test_incomplete_connection_says_what_to_fill_in(monkeypatch: pytest.MonkeyPatch) -> None:
    set_connection(monkeypatch, "st_hook_test", password=None, extra={"tenant_id": "x", "environment": "dev"})
    with pytest.raises(ConnectionConfigError) as refused:
        _ = ServiceTitanHook("st_hook_test").credentials
    assert str(refused.value) == (
        "Airflow connection 'st_hook_test' needs: Tenant ID (a number), Environment (integration or production), "
        "App Key, Client Secret (password)"
    )


def test_test_connection_reports_failure_without_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing listens on port 9 (discard): the token request fails as a connection error.
    set_connection(
        monkeypatch,
        "st_hook_test",
        extra={
            "tenant_id": "1",
            "environment": "integration",
            "app_api_key": "app-key-value",
            "base_url": "http://127.0.0.1:9",
        },
    )
    from servicetitan_pipeline.servicetitan.client import ClientSettings
    from servicetitan_pipeline.servicetitan.retry import RetryPolicy

    hook = ServiceTitanHook("st_hook_test", settings=ClientSettings(retry=RetryPolicy(max_attempts=1)))
    ok, message = hook.test_connection()
    assert ok is False
    assert "token request failed" in message
    assert "client-secret-value" not in message


def test_connection_type_is_registered_with_its_form() -> None:
    from airflow._shared.secrets_masker import should_hide_value_for_key
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    hook = manager.hooks["servicetitan"]
    assert hook is not None
    assert hook.hook_class_name == "servicetitan_pipeline.servicetitan.hook.ServiceTitanHook"
    assert hook.hook_name == "ServiceTitan"
    widgets = manager.connection_form_widgets
    assert {name for name in widgets if name.startswith("extra__servicetitan__")} == {
        "extra__servicetitan__tenant_id",
        "extra__servicetitan__app_api_key",
        "extra__servicetitan__environment",
        "extra__servicetitan__base_url",
    }
    # A password widget, under a name Airflow hides in the UI and the REST API.
    assert widgets["extra__servicetitan__app_api_key"].is_sensitive
    assert should_hide_value_for_key("extra__servicetitan__app_api_key")
    behaviour = manager.field_behaviours["servicetitan"]
    assert behaviour["relabeling"] == {"login": "Client ID", "password": "Client Secret"}


def test_every_tenant_shares_the_process_http_client(monkeypatch: pytest.MonkeyPatch) -> None:
    set_connection(monkeypatch, "st_hook_one")
    set_connection(
        monkeypatch,
        "st_hook_two",
        extra={"tenant_id": "1002", "environment": "integration", "app_api_key": "app-key-value"},
    )
    one, two = ServiceTitanHook("st_hook_one").client, ServiceTitanHook("st_hook_two").client
    # One connection pool per host for the process; nothing of a tenant's in it (credentials go on each
    # request, and cookies are refused).
    assert one._http is two._http
    assert "Authorization" not in one._http.headers
    one._http.cookies.extract_cookies(
        httpx.Response(200, headers={"Set-Cookie": "session=tenant-1001"}, request=httpx.Request("GET", "http://x/"))
    )
    assert not one._http.cookies
    # A tenant's client closing leaves the shared one open for the others.
    one.close()
    assert not two._http.is_closed


def test_hooks_of_different_tenants_are_built_at_the_same_time() -> None:
    """A batch's threads each build their tenant's hook; one reading its connection must not hold up the others
    (Python 3.11's functools.cached_property locks the property for every instance at once)."""
    import threading

    from servicetitan_pipeline.servicetitan.hook import cached_property

    both_inside = threading.Barrier(2, timeout=10)

    class Slow:
        @cached_property
        def value(self) -> int:
            both_inside.wait()  # with a lock shared by instances, the second never gets here: BrokenBarrierError
            return id(self)

    first, second = Slow(), Slow()
    results: list[int] = []
    threads = [threading.Thread(target=lambda o=o: results.append(o.value)) for o in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == sorted([id(first), id(second)])
    assert first.value == id(first)  # cached: the barrier is not waited on again
