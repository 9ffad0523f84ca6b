"""Test helpers: sandbox configs in one line, and an HTTP session logged into one sandbox tenant."""

from __future__ import annotations

from typing import Any

import httpx

from servicetitan_sandbox import SandboxConfig, parse_config

TENANT = 1001
APP_KEY = "test-app-key"
PATHS = {
    "customers": "/crm/v2/tenant/{tenant}/customers",
    "invoices": "/accounting/v2/tenant/{tenant}/invoices",
    "export_customers": "/crm/v2/tenant/{tenant}/export/customers",
    "export_invoices": "/accounting/v2/tenant/{tenant}/export/invoices",
}


def tenant(tenant_id: int = TENANT, **overrides: Any) -> dict[str, Any]:
    """One tenant's config (small data by default), with credentials derived from its id."""
    return {
        "tenant_id": tenant_id,
        "client_id": f"client-{tenant_id}",
        "client_secret": f"secret-{tenant_id}",
        "app_key": APP_KEY,
        "customers": 40,
        "invoices": 120,
        **overrides,
    }


def config(*tenants: dict[str, Any], **top_level: Any) -> SandboxConfig:
    return parse_config({"tenants": list(tenants) or [tenant()], **top_level})


def token_request(
    base_url: str, client_id: str, client_secret: str, grant_type: str = "client_credentials"
) -> httpx.Response:
    return httpx.post(
        f"{base_url}/connect/token",
        data={"grant_type": grant_type, "client_id": client_id, "client_secret": client_secret},
    )


class TenantSession:
    """What a ServiceTitan client does, minimally: get a token, then call the API with it and the app key."""

    def __init__(self, base_url: str, tenant_id: int = TENANT, app_key: str = APP_KEY, timeout: float = 10.0) -> None:
        self.base_url = base_url
        self.tenant_id = tenant_id
        self.app_key = app_key
        self.http = httpx.Client(base_url=base_url, timeout=timeout)
        self._token: str | None = None

    def token(self) -> str:
        if self._token is None:
            response = token_request(self.base_url, f"client-{self.tenant_id}", f"secret-{self.tenant_id}")
            assert response.status_code == 200, response.text
            self._token = response.json()["access_token"]
        return self._token

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}", "ST-App-Key": self.app_key}

    def path(self, endpoint: str, tenant_id: int | None = None) -> str:
        return PATHS[endpoint].format(tenant=tenant_id or self.tenant_id)

    def get(self, endpoint: str, **params: Any) -> httpx.Response:
        return self.http.get(self.path(endpoint), params=params, headers=self.headers())

    def ok(self, endpoint: str, **params: Any) -> dict[str, Any]:
        response = self.get(endpoint, **params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def export_all(self, kind: str, start: str | None = None) -> tuple[list[dict[str, Any]], str]:
        """Every record of an export from ``start`` (default: the beginning) and the last continueFrom."""
        records: list[dict[str, Any]] = []
        params: dict[str, Any] = {} if start is None else {"from": start}
        while True:
            body = self.ok(f"export_{kind}", **params)
            records += body["data"]
            params = {"from": body["continueFrom"]}
            if not body["hasMore"]:
                return records, body["continueFrom"]

    def list_all(self, kind: str, **params: Any) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        page, page_size = 1, params.pop("pageSize", 50)
        while True:
            body = self.ok(kind, page=page, pageSize=page_size, **params)
            records += body["data"]
            if not body["hasMore"]:
                return records
            page += 1

    def advance(self, **change: Any) -> dict[str, Any]:
        response = self.http.post(f"/sandbox/tenants/{self.tenant_id}/advance", json=change)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def summary(self) -> dict[str, Any]:
        body: dict[str, Any] = self.http.get(f"/sandbox/tenants/{self.tenant_id}/summary").json()
        return body

    def close(self) -> None:
        self.http.close()
