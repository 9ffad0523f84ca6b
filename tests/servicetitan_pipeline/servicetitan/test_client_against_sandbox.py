"""The client against the running sandbox, over real HTTP: auth, paging, faults, resume, bad records."""

from __future__ import annotations

import gc
import json
import logging
import re
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from servicetitan_pipeline.servicetitan.auth import TokenProvider
from servicetitan_pipeline.servicetitan.circuit_breaker import CircuitState
from servicetitan_pipeline.servicetitan.client import CallReport, ClientSettings, Credentials, ServiceTitanClient
from servicetitan_pipeline.servicetitan.cursors import ExportCursor, ModifiedSinceCursor
from servicetitan_pipeline.servicetitan.errors import (
    BadCredentialsError,
    CircuitOpenError,
    MissingPermissionError,
    TransientError,
)
from servicetitan_pipeline.servicetitan.resources import CUSTOMERS, INVOICES, RESOURCES
from servicetitan_pipeline.servicetitan.retry import RetryPolicy
from servicetitan_sandbox import SandboxServer
from servicetitan_sandbox.config import parse_config
from tests.contract.openapi_contract import query_parameters

TENANT = 4242
SECRET = "client-secret-4242"
APP_KEY = "app-key-4242"
FAST_RETRY = RetryPolicy(max_attempts=8, base_delay=0.01, max_delay=0.05)


def tenant_config(**overrides: Any) -> dict[str, Any]:
    return {
        "tenant_id": TENANT,
        "client_id": "client-4242",
        "client_secret": SECRET,
        "app_key": APP_KEY,
        "customers": 60,
        "invoices": 250,
        **overrides,
    }


@pytest.fixture
def start_sandbox() -> Iterator[Callable[..., SandboxServer]]:
    servers: list[SandboxServer] = []

    def start(tenant: dict[str, Any] | None = None, **top_level: Any) -> SandboxServer:
        top_level.setdefault("export_page_size", 50)
        server = SandboxServer(parse_config({"tenants": [tenant or tenant_config()], **top_level})).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def make_client(
    server: SandboxServer,
    *,
    secret: str = SECRET,
    app_key: str = APP_KEY,
    calls: list[CallReport] | None = None,
    **settings: Any,
) -> ServiceTitanClient:
    settings.setdefault("retry", FAST_RETRY)
    credentials = Credentials(
        tenant_id=TENANT,
        environment="integration",
        client_id="client-4242",
        client_secret=secret,
        app_key=app_key,
        base_url=server.base_url,
        source="servicetitan_integration_4242",
    )
    return ServiceTitanClient(
        credentials, ClientSettings(**settings), on_call=calls.append if calls is not None else None
    )


def summary(server: SandboxServer) -> dict[str, Any]:
    return httpx.get(f"{server.base_url}/sandbox/tenants/{TENANT}/summary").json()  # type: ignore[no-any-return]


def all_ids(pages: Iterator[Any]) -> list[int]:
    return [record.fields.id for page in pages for record in page.records]


class TestReading:
    def test_full_export_returns_every_record_once(self, start_sandbox: Callable[..., SandboxServer]) -> None:
        server = start_sandbox()
        with make_client(server) as client:
            for resource in (CUSTOMERS, INVOICES):
                pages = list(client.export(resource))
                ids = [record.fields.id for page in pages for record in page.records]
                assert len(ids) == len(set(ids)) == summary(server)[resource.name]
                assert len(pages) > 1
                assert [page.has_more for page in pages] == [True] * (len(pages) - 1) + [False]
                assert all(page.checkpoint for page in pages)

    def test_list_endpoint_returns_active_and_inactive(self, start_sandbox: Callable[..., SandboxServer]) -> None:
        server = start_sandbox()
        counts = summary(server)
        assert counts["active_customers"] < counts["customers"]  # the data has inactive customers
        with make_client(server) as client:
            customers = all_ids(client.list(CUSTOMERS, ModifiedSinceCursor(page_size=25)))
            invoices = all_ids(client.list(INVOICES, ModifiedSinceCursor(page_size=100)))
        assert len(set(customers)) == counts["customers"]
        assert len(set(invoices)) == counts["invoices"]

    def test_list_reads_come_oldest_change_first_across_pages(
        self, start_sandbox: Callable[..., SandboxServer]
    ) -> None:
        server = start_sandbox()
        # Old invoices changed now: in id order they would sit among the first pages.
        change = {"new_invoices": 0, "modified_invoices": 20, "new_customers": 0, "modified_customers": 0}
        httpx.post(f"{server.base_url}/sandbox/tenants/{TENANT}/advance", json=change).raise_for_status()
        with make_client(server) as client:
            pages = list(client.list(INVOICES, ModifiedSinceCursor(page_size=100)))
        assert len(pages) > 1
        modified = [record.fields.modifiedOn for page in pages for record in page.records]
        assert modified == sorted(modified)

    def test_incremental_export_after_changes(self, start_sandbox: Callable[..., SandboxServer]) -> None:
        server = start_sandbox()
        with make_client(server) as client:
            pages = list(client.export(INVOICES))
            stored = pages[-1].checkpoint
            change = {"new_invoices": 7, "modified_invoices": 5, "new_customers": 0, "modified_customers": 0}
            httpx.post(f"{server.base_url}/sandbox/tenants/{TENANT}/advance", json=change).raise_for_status()
            changed = all_ids(client.export(INVOICES, ExportCursor(continue_from=stored)))
        assert len(changed) == 12
        assert len(set(changed) - {r.fields.id for p in pages for r in p.records}) == 7

    def test_resume_from_a_stored_continue_from(self, start_sandbox: Callable[..., SandboxServer]) -> None:
        server = start_sandbox()
        with make_client(server) as client:
            first_two = []
            for page in client.export(INVOICES):
                first_two.append(page)
                if len(first_two) == 2:
                    break  # a crash after page 2 was committed
            checkpoint = first_two[-1].checkpoint
        with make_client(server) as fresh_client:  # a new worker, a new process's client
            rest = all_ids(fresh_client.export(INVOICES, ExportCursor(continue_from=checkpoint)))
        before = [r.fields.id for p in first_two for r in p.records]
        assert set(before).isdisjoint(rest)
        assert len(before) + len(rest) == summary(server)["invoices"]

    def test_modified_since_on_the_list_endpoint(self, start_sandbox: Callable[..., SandboxServer]) -> None:
        server = start_sandbox()
        since = datetime.now(UTC) - timedelta(seconds=1)
        change = {"new_customers": 3, "modified_customers": 2, "new_invoices": 0, "modified_invoices": 0}
        httpx.post(f"{server.base_url}/sandbox/tenants/{TENANT}/advance", json=change).raise_for_status()
        with make_client(server) as client:
            changed = all_ids(client.list(CUSTOMERS, ModifiedSinceCursor(modified_since=since)))
        assert len(changed) == 5

    def test_requests_use_only_parameters_the_spec_defines(self, start_sandbox: Callable[..., SandboxServer]) -> None:
        server = start_sandbox()
        with make_client(server) as client:
            for resource in RESOURCES.values():
                list(client.export(resource))
                list(client.export(resource, ExportCursor(modified_since=datetime(2026, 1, 1, tzinfo=UTC))))
                list(client.list(resource, ModifiedSinceCursor(modified_since=datetime(2026, 1, 1, tzinfo=UTC))))
        log = httpx.get(f"{server.base_url}/sandbox/requests").json()
        entries = log["requests"] if isinstance(log, dict) else log
        api_calls = [entry for entry in entries if "/tenant/" in entry["path"]]
        assert len(api_calls) > 6
        for entry in api_calls:
            spec = "crm" if entry["path"].startswith("/crm/") else "accounting"
            allowed = query_parameters(spec, entry["path"], "get")
            sent = {name for name, _ in entry["query"]}
            assert sent <= allowed, f"{entry['path']} got parameters the spec does not define: {sent - allowed}"


class TestAuth:
    def test_token_renewed_before_expiry_during_a_long_export(
        self, start_sandbox: Callable[..., SandboxServer]
    ) -> None:
        # Tokens live 1 s; 100 ms per call and 25 pages make the export outlive several tokens.
        server = start_sandbox(tenant_config(faults={"latency_ms": 100}), token_lifetime_seconds=1, export_page_size=10)
        calls: list[CallReport] = []
        with make_client(server, calls=calls) as client:
            ids = all_ids(client.export(INVOICES))
            fetched = client._tokens.fetch_count
        assert len(set(ids)) == summary(server)["invoices"]
        assert fetched >= 2
        assert all(call.status == 200 for call in calls)  # renewed in time: no 401 at all

    def test_a_401_renews_the_token_once_mid_export(self, start_sandbox: Callable[..., SandboxServer]) -> None:
        # Two pages: after the renewal, one request is left to make within the new token's 2 s, however busy the
        # machine (with many small pages, a slow machine outlived the renewed token too).
        server = start_sandbox(token_lifetime_seconds=2, export_page_size=150)
        calls: list[CallReport] = []
        with make_client(server, calls=calls) as client:
            # A client whose clock runs slow believes its token lives on after the server expired it.
            slow_clock = datetime.now(UTC)
            client._tokens = TokenProvider(
                client.hosts.token_url, "client-4242", SECRET, label="test", now=lambda: slow_clock
            )
            pages = client.export(INVOICES)
            first = next(pages)
            time.sleep(2.2)
            rest = [record.fields.id for page in pages for record in page.records]
        assert len(first.records) + len(rest) == summary(server)["invoices"]
        assert [c.status for c in calls].count(401) == 1
        assert client._tokens.fetch_count == 2

    def test_wrong_secret(self, start_sandbox: Callable[..., SandboxServer]) -> None:
        server = start_sandbox()
        with make_client(server, secret="rotated-away") as client, pytest.raises(BadCredentialsError) as refused:
            list(client.export(CUSTOMERS))
        message = str(refused.value)
        assert "refused the client credentials (invalid_client)" in message
        assert "servicetitan_integration_4242" in message
        assert "rotated-away" not in message

    def test_invalid_credentials_tenant(self, start_sandbox: Callable[..., SandboxServer]) -> None:
        server = start_sandbox(tenant_config(faults={"invalid_credentials": True}))
        with make_client(server) as client, pytest.raises(BadCredentialsError, match="invalid_client"):
            client.authenticate()

    def test_wrong_app_key(self, start_sandbox: Callable[..., SandboxServer]) -> None:
        server = start_sandbox()
        calls: list[CallReport] = []
        with (
            make_client(server, app_key="not-the-key", calls=calls) as client,
            pytest.raises(BadCredentialsError, match="401") as refused,
        ):
            list(client.export(CUSTOMERS))
        assert "check the app key" in str(refused.value)
        assert [c.status for c in calls] == [401, 401]  # one renewal, then believed
        assert "not-the-key" not in str(refused.value)

    def test_revoked_app_key(self, start_sandbox: Callable[..., SandboxServer]) -> None:
        server = start_sandbox(tenant_config(faults={"revoked_app_key": True}))
        with make_client(server) as client, pytest.raises(MissingPermissionError) as refused:
            list(client.export(CUSTOMERS))
        assert refused.value.status == 403
        assert "approve the application" in str(refused.value)
        assert refused.value.trace_id


class TestFaults:
    def test_429_storm_honours_retry_after(self, start_sandbox: Callable[..., SandboxServer]) -> None:
        # The sandbox allows 5 calls/s; the client believes 50/s and learns from the 429s.
        server = start_sandbox(tenant_config(rate_limit_per_second=5), export_page_size=10)
        calls: list[CallReport] = []
        with make_client(server, calls=calls, rate_limit_per_second=50) as client:
            ids = all_ids(client.export(INVOICES))
        assert len(set(ids)) == summary(server)["invoices"]
        assert any(call.status == 429 for call in calls)

    def test_429_with_the_wait_only_in_the_title(self, start_sandbox: Callable[..., SandboxServer]) -> None:
        server = start_sandbox(
            tenant_config(rate_limit_per_second=5, faults={"retry_after_header": False}), export_page_size=10
        )
        calls: list[CallReport] = []
        slept: list[float] = []
        with make_client(server, calls=calls, rate_limit_per_second=50) as client:
            client._sleep = lambda seconds: (slept.append(seconds), time.sleep(seconds))  # type: ignore[func-returns-value]
            ids = all_ids(client.export(INVOICES))
        assert len(set(ids)) == summary(server)["invoices"]
        assert any(call.status == 429 for call in calls)
        assert slept
        assert min(slept) >= 1.0

    def test_5xx_timeouts_and_dropped_connections_are_retried(
        self, start_sandbox: Callable[..., SandboxServer]
    ) -> None:
        faults = {"error_rate": 0.2, "timeout_rate": 0.15, "timeout_seconds": 1.0, "drop_rate": 0.15}
        server = start_sandbox(tenant_config(faults=faults), export_page_size=10)
        calls: list[CallReport] = []
        with make_client(server, calls=calls, read_timeout_seconds=0.3, breaker_failure_threshold=50) as client:
            ids = all_ids(client.export(INVOICES))
        assert len(set(ids)) == summary(server)["invoices"]
        errors = {call.error for call in calls if call.error}
        assert "TransientError" in errors
        statuses = {call.status for call in calls}
        assert statuses & {500, 503}
        assert any(call.status is None for call in calls)  # timeouts and drops have no status

    def test_gives_up_after_bounded_attempts(self, start_sandbox: Callable[..., SandboxServer]) -> None:
        server = start_sandbox(tenant_config(faults={"error_rate": 1.0}))
        calls: list[CallReport] = []
        policy = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02)
        with (
            make_client(server, calls=calls, retry=policy, breaker_failure_threshold=100) as client,
            pytest.raises(TransientError, match=r"ServiceTitan answered 50[03]"),
        ):
            list(client.export(CUSTOMERS))
        assert [call.attempt for call in calls] == [1, 2, 3]

    def test_circuit_breaker_opens_and_stops_calling(self, start_sandbox: Callable[..., SandboxServer]) -> None:
        server = start_sandbox(tenant_config(faults={"error_rate": 1.0}))
        calls: list[CallReport] = []
        with make_client(server, calls=calls, breaker_failure_threshold=4, breaker_reset_seconds=60) as client:
            with pytest.raises(CircuitOpenError, match="too many recent failures"):
                list(client.export(CUSTOMERS))
            assert client._breaker.state is CircuitState.OPEN
            with pytest.raises(CircuitOpenError):
                list(client.export(INVOICES))  # fails fast: nothing sent
        assert len(calls) == 4

    def test_circuit_breaker_probes_and_closes(self, start_sandbox: Callable[..., SandboxServer]) -> None:
        broken = start_sandbox(tenant_config(faults={"error_rate": 1.0}))
        with (
            make_client(broken, breaker_failure_threshold=2, breaker_reset_seconds=0.3) as client,
            pytest.raises(CircuitOpenError),
        ):
            list(client.export(CUSTOMERS))
        healthy = start_sandbox()
        time.sleep(0.35)
        with make_client(healthy, breaker_failure_threshold=2, breaker_reset_seconds=0.3) as client:
            assert client._breaker.state is CircuitState.HALF_OPEN
            assert all_ids(client.export(CUSTOMERS))
            assert client._breaker.state is CircuitState.CLOSED


class TestBadRecords:
    def test_bad_records_are_surfaced_not_fatal(self, start_sandbox: Callable[..., SandboxServer]) -> None:
        server = start_sandbox(tenant_config(faults={"bad_record_rate": 0.1}))
        expected = summary(server)["bad_records"]
        with make_client(server) as client:
            for resource in (CUSTOMERS, INVOICES):
                pages = list(client.export(resource))
                bad = [record for page in pages for record in page.bad_records]
                good = [record for page in pages for record in page.records]
                assert len(bad) == expected[resource.name]["count"] > 0
                assert sorted(r.record_id for r in bad if isinstance(r.record_id, int)) == sorted(
                    expected[resource.name]["ids"]
                )
                assert all(r.problems for r in bad)
                assert len(good) + len(bad) == summary(server)[resource.name]


class TestReporting:
    def test_each_call_is_reported_without_secrets(
        self, start_sandbox: Callable[..., SandboxServer], caplog: pytest.LogCaptureFixture
    ) -> None:
        server = start_sandbox(tenant_config(faults={"error_rate": 0.2}))
        calls: list[CallReport] = []
        caplog.set_level(logging.DEBUG)
        with make_client(server, calls=calls, breaker_failure_threshold=100) as client:
            list(client.export(CUSTOMERS))
            token = client.token
        assert token is not None
        assert calls
        assert all(call.endpoint == "/crm/v2/tenant/{tenant}/export/customers" for call in calls)
        assert all(call.duration_seconds >= 0 for call in calls)
        assert any(call.attempt > 1 for call in calls)
        text = caplog.text + repr(calls)
        for secret in (SECRET, APP_KEY, token.value):
            assert secret not in text


class TestRetryLog:
    """Each retry is one line of the task log: what failed, where, which attempt, how long it waits."""

    LINE = re.compile(
        r"^tenant 4242 \(integration, connection 'servicetitan_integration_4242'\): "
        r"GET (?P<endpoint>/\S+): (?P<what>.+) \(attempt (?P<attempt>\d+) of (?P<max>\d+)\); (?P<outcome>.+)$"
    )

    def lines(self, caplog: pytest.LogCaptureFixture) -> list[tuple[str, re.Match[str]]]:
        found = []
        for record in caplog.records:
            if record.name == "servicetitan_pipeline.servicetitan" and "(attempt " in record.getMessage():
                match = self.LINE.match(record.getMessage())
                assert match, f"retry line not in the expected form: {record.getMessage()!r}"
                found.append((record.levelname, match))
        return found

    def test_each_retry_of_5xx_timeouts_and_drops_is_logged(
        self, start_sandbox: Callable[..., SandboxServer], caplog: pytest.LogCaptureFixture
    ) -> None:
        faults = {"error_rate": 0.2, "timeout_rate": 0.15, "timeout_seconds": 1.0, "drop_rate": 0.15}
        server = start_sandbox(tenant_config(faults=faults), export_page_size=10)
        calls: list[CallReport] = []
        slept: list[float] = []
        caplog.set_level(logging.INFO, logger="servicetitan_pipeline.servicetitan")
        with make_client(server, calls=calls, read_timeout_seconds=0.3, breaker_failure_threshold=50) as client:
            client._sleep = slept.append
            list(client.export(INVOICES))
            token = client.token
        failed = [call for call in calls if call.error]
        retries = self.lines(caplog)
        assert len(retries) == len(failed) == len(slept) > 0
        for (level, line), call, wait in zip(retries, failed, slept, strict=True):
            assert level == "WARNING"
            assert line["endpoint"] == "/accounting/v2/tenant/{tenant}/export/invoices"
            assert (int(line["attempt"]), int(line["max"])) == (call.attempt, FAST_RETRY.max_attempts)
            assert line["outcome"] == f"retrying in {wait:.2f} s"
        kinds = {line["what"] for _, line in retries}
        assert kinds & {"HTTP 500", "HTTP 503"}
        assert "timed out" in kinds
        assert any(kind.startswith("connection dropped (") for kind in kinds)
        assert token is not None
        client_log = "\n".join(r.getMessage() for r in caplog.records if r.name == "servicetitan_pipeline.servicetitan")
        for secret in (SECRET, APP_KEY, token.value, "from=", "?"):  # nor a query string
            assert secret not in client_log

    def test_a_retry_after_is_named_and_waited(
        self, start_sandbox: Callable[..., SandboxServer], caplog: pytest.LogCaptureFixture
    ) -> None:
        server = start_sandbox(tenant_config(rate_limit_per_second=5), export_page_size=10)
        caplog.set_level(logging.INFO, logger="servicetitan_pipeline.servicetitan")
        with make_client(server, rate_limit_per_second=50) as client:
            list(client.export(INVOICES))
        limited = [line for _, line in self.lines(caplog) if line["what"].startswith("HTTP 429, Retry-After ")]
        assert limited
        for line in limited:
            asked = float(line["what"].removeprefix("HTTP 429, Retry-After ").removesuffix(" s"))
            waited = float(line["outcome"].removeprefix("retrying in ").removesuffix(" s"))
            assert asked >= 1
            assert waited >= asked

    def test_giving_up_says_so(
        self, start_sandbox: Callable[..., SandboxServer], caplog: pytest.LogCaptureFixture
    ) -> None:
        server = start_sandbox(tenant_config(faults={"error_rate": 1.0}))
        policy = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02)
        caplog.set_level(logging.INFO, logger="servicetitan_pipeline.servicetitan")
        with (
            make_client(server, retry=policy, breaker_failure_threshold=100) as client,
            pytest.raises(TransientError),
        ):
            list(client.export(CUSTOMERS))
        lines = self.lines(caplog)
        assert [(level, line["attempt"], line["max"]) for level, line in lines] == [
            ("WARNING", "1", "3"),
            ("WARNING", "2", "3"),
            ("ERROR", "3", "3"),
        ]
        assert lines[-1][1]["outcome"] == "giving up: no attempts left"

    def test_the_circuit_breaker_opening_is_logged(
        self, start_sandbox: Callable[..., SandboxServer], caplog: pytest.LogCaptureFixture
    ) -> None:
        server = start_sandbox(tenant_config(faults={"error_rate": 1.0}))
        caplog.set_level(logging.INFO, logger="servicetitan_pipeline.servicetitan")
        with (
            make_client(server, breaker_failure_threshold=4, breaker_reset_seconds=60) as client,
            pytest.raises(CircuitOpenError),
        ):
            list(client.export(CUSTOMERS))
        assert (
            "tenant 4242 (integration): circuit opened after 4 consecutive failures; calls paused, one probe in 60 s"
            in caplog.messages
        )


@contextmanager
def sandbox_process(tenant: dict[str, Any], **top_level: Any) -> Iterator[SandboxServer]:
    """A sandbox in its own process, so that tracing this process's memory measures the client only."""
    config = json.dumps({"tenants": [tenant], **top_level})
    program = (
        "import json, sys\n"
        "from servicetitan_sandbox.config import parse_config\n"
        "from servicetitan_sandbox.server import serve\n"
        "serve(parse_config(json.loads(sys.argv[1])), on_ready=lambda url: print(url, flush=True))\n"
    )
    process = subprocess.Popen([sys.executable, "-c", program, config], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        for _ in range(100):
            try:
                httpx.get(f"{base_url}/sandbox/health").raise_for_status()
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield SimpleNamespace(base_url=base_url)  # type: ignore[misc]
    finally:
        process.terminate()
        process.wait(10)


def test_memory_is_bounded_by_a_page_not_the_export() -> None:
    def peak_while_exporting(invoices: int) -> int:
        with (
            sandbox_process(tenant_config(invoices=invoices, customers=100), export_page_size=500) as server,
            make_client(server) as client,
        ):
            gc.collect()
            tracemalloc.start()
            count = 0
            for page in client.export(INVOICES):
                count += len(page.records) + len(page.bad_records)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        assert count == invoices
        return peak

    small, large = peak_while_exporting(4_000), peak_while_exporting(16_000)
    assert large < small * 1.3, f"peak grew from {small} to {large} bytes with 4x the records"
