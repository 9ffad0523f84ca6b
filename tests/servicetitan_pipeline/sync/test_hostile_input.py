"""Hostile input through the sandbox, the real client and a real sync into PostgreSQL: one record with a
named payload is counted, described and skipped while its page loads; a body that is no JSON page is a
transient fault whose message says what came back and what to do."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from servicetitan_pipeline.servicetitan.errors import TransientError
from servicetitan_sandbox.hostile_records import HostileKind, MalformedPage
from tests.sync_world import APP_KEY, SyncWorld, tenant

World = Callable[..., SyncWorld]
SMALL = {"customers": 30, "invoices": 60}


@pytest.mark.parametrize("kind", list(HostileKind), ids=str)
def test_a_hostile_record_is_a_bad_record_and_its_page_loads(make_world: World, kind: HostileKind) -> None:
    world = make_world(tenant(1201, **SMALL, faults={"hostile_record": kind.value}))
    outcome = world.sync(1201)
    summary = world.summary(1201)
    (row,) = world.logs(1201)
    assert row.status == "completed"
    assert (row.records_processed, row.records_failed) == (30 + 60, 2)  # one customer, one invoice
    assert row.error_message == "2 bad record(s) skipped"
    assert world.count("servicetitan_customers", 1201) == 30 - 1
    assert world.count("servicetitan_invoices", 1201) == 60 - 1
    failed = row.error_details["failed_records"]
    assert [(r["resource"], r["id"]) for r in failed] == [
        ("customers", summary["hostile_record"]["customers"]),
        ("invoices", summary["hostile_record"]["invoices"]),
    ]
    for described in failed:
        (problem,) = described["problems"]
        assert 10 < len(problem) < 300, problem  # a reason in words, never the payload itself
    assert outcome.failed == 2


def test_each_payload_is_described_for_what_it_is(make_world: World) -> None:
    expected = {
        HostileKind.DEEP_EXTRA: "nests deeper than 64 levels",
        HostileKind.DEEP_FIELD: "nests deeper than 64 levels",
        HostileKind.NUL: "NUL character",
        HostileKind.RAW_CONTROL: "byte 0x00 at offset",
        HostileKind.INVALID_UTF8: "not valid UTF-8 (byte 0xff",
        HostileKind.LONE_SURROGATE: "surrogate escape",
        HostileKind.HUGE_STRING: "bytes, over the limit of 1,048,576",
        HostileKind.ID_BEYOND_INT64: "id is not an int64",
        HostileKind.NUMBER_OUT_OF_RANGE: "Number out of range",
        HostileKind.WRONG_TYPE: "active is not a boolean",
        HostileKind.DUPLICATE_ID: "id appears 2 times",
        HostileKind.BOM: "byte 0xef at offset 0",
    }
    assert set(expected) == set(HostileKind)
    world = make_world(*(tenant(1300 + n, **SMALL, faults={"hostile_record": k.value}) for n, k in enumerate(expected)))
    for n, phrase in enumerate(expected.values()):
        world.sync(1300 + n, "invoices")
        (row,) = world.logs(1300 + n)
        ((problem,),) = [r["problems"] for r in row.error_details["failed_records"]]
        assert phrase in problem, (n, problem)


@pytest.mark.parametrize("kind", list(MalformedPage), ids=str)
def test_a_body_that_is_no_json_page_is_retried_then_named(make_world: World, kind: MalformedPage) -> None:
    world = make_world(tenant(1401, **SMALL, faults={"malformed_page": kind.value}))
    with pytest.raises(TransientError) as failed:
        world.sync(1401, "customers")
    message = str(failed.value)
    assert failed.value.retriable
    assert "127.0.0.1/crm/v2/tenant/{tenant}/export/customers answered 200" in message
    assert "not a JSON page" in message
    assert "check the credential's base URL" in message
    start = {MalformedPage.HTML: "<!DOCTYPE html>", MalformedPage.TRUNCATED: '{"hasMore":'}.get(kind, "\\ufeff{")
    assert f"starting: {start}" in message
    assert APP_KEY not in message
    assert "secret-1401" not in message
    (row,) = world.logs(1401)
    assert row.status == "failed"
    assert row.error_message == message
    assert row.error_details["retriable"] is True
    calls = [r for r in world.server.state.request_log.entries() if "export" in r["path"]]
    assert len(calls) == 3  # FAST's max_attempts: retried in the call, then left to the task's retries
