"""``servicetitan sandbox`` through the installed console script."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

CONSOLE_SCRIPT = Path(sys.executable).parent / "servicetitan"
EXAMPLE = Path(__file__).resolve().parents[2] / "sandbox.example.yaml"


def test_help_describes_the_options() -> None:
    result = subprocess.run([str(CONSOLE_SCRIPT), "sandbox", "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    for option in ("--port", "--config", "--host"):
        assert option in result.stdout


def test_a_bad_config_exits_2_naming_the_field(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(
        "tenants:\n  - tenant_id: 5\n    client_id: c\n    client_secret: s3cr3t\n    app_key: k\n"
        "    faults: {error_rate: 7}\n"
    )
    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "sandbox", "--port", "0", "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "tenants[0].faults.error_rate" in result.stderr
    assert "s3cr3t" not in result.stderr


def test_serves_and_prints_the_base_url_and_tenant_ids_never_secrets() -> None:
    process = subprocess.Popen(
        [str(CONSOLE_SCRIPT), "sandbox", "--port", "0", "--config", str(EXAMPLE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        tenants = process.stdout.readline()
        assert banner.startswith("ServiceTitan sandbox at http://127.0.0.1:")
        base_url = banner.split(" at ")[1].split()[0]
        assert tenants.strip() == "tenants: 1001, 1002, 1003, 1004"
        token = httpx.post(
            f"{base_url}/connect/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "demo-acme-client",
                "client_secret": "demo-acme-secret",
            },
            timeout=10,
        )
        assert token.status_code == 200
        crest = httpx.post(
            f"{base_url}/connect/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "demo-crest-client",
                "client_secret": "demo-crest-secret",
            },
            timeout=10,
        )
        assert crest.json() == {"error": "invalid_client"}
        httpx.get(
            f"{base_url}/crm/v2/tenant/1001/customers",
            params={"servicetitanapplicationkey": "demo-app-key"},
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
            timeout=10,
        )
    finally:
        process.send_signal(signal.SIGINT)
        output, errors = process.communicate(timeout=15)
    everything = banner + tenants + output + errors
    assert "GET /crm/v2/tenant/1001/customers" in everything  # requests are logged ...
    for secret in ("demo-acme-secret", "demo-bright-secret", "demo-crest-secret", "demo-app-key"):
        assert secret not in everything  # ... without secrets
