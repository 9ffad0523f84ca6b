"""Token endpoint and API authentication, over real HTTP."""

from __future__ import annotations

import base64
import time

import httpx
import pytest

from servicetitan_sandbox import SandboxServer
from tests.servicetitan_sandbox.conftest import StartSandbox
from tests.servicetitan_sandbox.session import APP_KEY, TENANT, TenantSession, config, tenant, token_request

CUSTOMERS = f"/crm/v2/tenant/{TENANT}/customers"


@pytest.fixture(scope="module")
def sandbox(read_only_sandbox: SandboxServer) -> SandboxServer:
    return read_only_sandbox


def test_token_response_has_servicetitans_fields(sandbox: SandboxServer) -> None:
    response = token_request(sandbox.base_url, "client-1001", "secret-1001")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "token_type", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["access_token"]
    assert response.headers["cache-control"] == "no-store"


def test_tokens_are_opaque_and_fresh_each_time(sandbox: SandboxServer) -> None:
    first = token_request(sandbox.base_url, "client-1001", "secret-1001").json()["access_token"]
    second = token_request(sandbox.base_url, "client-1001", "secret-1001").json()["access_token"]
    assert first != second
    assert "1001" not in first


def test_client_credentials_in_a_basic_header_are_accepted(sandbox: SandboxServer) -> None:
    basic = base64.b64encode(b"client-1001:secret-1001").decode()
    response = httpx.post(
        f"{sandbox.base_url}/connect/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("client_id", "client_secret", "grant_type", "error"),
    [
        ("client-1001", "secret-1001", "password", "unsupported_grant_type"),
        ("client-1001", "wrong-secret", "client_credentials", "invalid_client"),
        ("nobody", "secret-1001", "client_credentials", "invalid_client"),
    ],
)
def test_token_errors_are_oauth_errors(
    sandbox: SandboxServer, client_id: str, client_secret: str, grant_type: str, error: str
) -> None:
    response = token_request(sandbox.base_url, client_id, client_secret, grant_type)
    assert response.status_code == 400
    assert response.json()["error"] == error


def test_token_request_must_be_form_encoded(sandbox: SandboxServer) -> None:
    response = httpx.post(
        f"{sandbox.base_url}/connect/token",
        json={"grant_type": "client_credentials", "client_id": "client-1001", "client_secret": "secret-1001"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_invalid_credentials_fault_refuses_even_the_right_secret(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(config(tenant(faults={"invalid_credentials": True})))
    response = token_request(server.base_url, "client-1001", "secret-1001")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_client"}


def test_valid_token_and_app_key_are_let_in(session: TenantSession) -> None:
    assert session.get("customers").status_code == 200


def test_missing_token_is_401(sandbox: SandboxServer) -> None:
    response = httpx.get(f"{sandbox.base_url}{CUSTOMERS}", headers={"ST-App-Key": APP_KEY})
    assert response.status_code == 401
    assert response.json()["status"] == 401
    assert "token" in response.json()["title"]
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_unknown_token_is_401(sandbox: SandboxServer) -> None:
    headers = {"Authorization": "Bearer not-a-token", "ST-App-Key": APP_KEY}
    response = httpx.get(f"{sandbox.base_url}{CUSTOMERS}", headers=headers)
    assert response.status_code == 401
    assert "invalid or has expired" in response.json()["title"]


def test_token_expires_after_its_lifetime(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(config(tenant(), token_lifetime_seconds=1))
    session = TenantSession(server.base_url)
    assert session.get("customers").status_code == 200
    time.sleep(1.05)
    expired = session.get("customers")
    assert expired.status_code == 401
    assert "expired" in expired.json()["title"]
    session._token = None  # a client re-authenticates on 401
    assert session.get("customers").status_code == 200


@pytest.mark.parametrize("app_key", [None, "wrong-key"])
def test_missing_or_wrong_app_key_is_401_saying_so(session: TenantSession, app_key: str | None) -> None:
    headers = {"Authorization": f"Bearer {session.token()}"} | ({"ST-App-Key": app_key} if app_key else {})
    response = session.http.get(CUSTOMERS, headers=headers)
    assert response.status_code == 401
    assert "application key" in response.json()["title"]
    assert "invalid" in response.json()["title"]


def test_app_key_may_be_given_as_the_specs_query_parameter(session: TenantSession) -> None:
    response = session.http.get(
        CUSTOMERS,
        params={"servicetitanapplicationkey": APP_KEY},
        headers={"Authorization": f"Bearer {session.token()}"},
    )
    assert response.status_code == 200


def test_revoked_app_key_is_403_saying_so(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(config(tenant(faults={"revoked_app_key": True})))
    response = TenantSession(server.base_url).get("customers")
    assert response.status_code == 403
    assert "revoked" in response.json()["title"]


def test_a_token_opens_only_its_own_tenant(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(config(tenant(1001), tenant(1002)))
    session = TenantSession(server.base_url, tenant_id=1001)
    for other in (1002, 4242):  # another configured tenant, and one the sandbox does not have
        response = session.http.get(session.path("invoices", other), headers=session.headers())
        assert response.status_code == 403
        assert str(other) in response.json()["title"]


def test_a_tenant_path_that_is_not_a_number_is_404(session: TenantSession) -> None:
    response = session.http.get("/crm/v2/tenant/acme/customers", headers=session.headers())
    assert response.status_code == 404
    assert response.json()["status"] == 404
