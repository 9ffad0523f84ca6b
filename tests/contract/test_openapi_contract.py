"""The contract helper itself: it must reject what the documents reject, and only that."""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.openapi_contract import (
    ContractViolation,
    query_parameters,
    resolve_path,
    schema_errors,
    validate_response,
)

ERROR = {"type": "t", "title": "t", "status": 401, "traceId": "x", "errors": {}, "data": {}}


def invoice(**fields: Any) -> dict[str, Any]:
    base = {
        "id": 1,
        "createdOn": "2026-11-01T12:34:56.1234567Z",
        "sentStatus": "Sent",
        "reviewStatus": "Reviewed",
        "active": True,
        "invoiceConfiguration": "JobInvoice",
    }
    return base | fields


def test_paths_resolve_from_templates_and_concrete_paths_with_or_without_the_server_prefix() -> None:
    assert resolve_path("crm", "/crm/v2/tenant/1001/customers") == "/tenant/{tenant}/customers"
    assert resolve_path("crm", "/tenant/{tenant}/export/customers") == "/tenant/{tenant}/export/customers"
    # A literal segment beats a parameter: "contacts" is not a customer id.
    assert resolve_path("crm", "/crm/v2/tenant/1/customers/contacts") == "/tenant/{tenant}/customers/contacts"
    with pytest.raises(ContractViolation, match="no path"):
        resolve_path("accounting", "/accounting/v2/tenant/1/nothing-here")


def test_query_parameters_are_the_operations_query_parameters_only() -> None:
    customers = query_parameters("crm", "/crm/v2/tenant/1/customers", "GET")
    assert {"page", "pageSize", "includeTotal", "modifiedOnOrAfter", "active"} <= customers
    assert "tenant" not in customers  # a path parameter
    assert query_parameters("accounting", "/tenant/{tenant}/export/invoices", "get") == {"from", "includeRecentChanges"}


def test_nullable_next_to_a_reference_accepts_null_and_still_checks_objects() -> None:
    assert schema_errors("accounting", "Accounting.V2.InvoiceResponse", invoice(job=None, salesTaxCode=None)) == []
    assert schema_errors("accounting", "Accounting.V2.InvoiceResponse", invoice(job={"id": 5})) == []
    assert schema_errors("accounting", "Accounting.V2.InvoiceResponse", invoice(job={"number": "5"}))


@pytest.mark.parametrize(
    "broken",
    [
        {"id": "abc"},
        {"modifiedOn": "yesterday"},
        {"createdOn": "2026-11-01T12:34:56"},  # no time zone
        {"sentStatus": "Lost"},
        {"unknownField": 1},
        {"id": 2**63},
    ],
)
def test_records_that_break_the_schema_are_reported(broken: dict[str, Any]) -> None:
    assert schema_errors("accounting", "Accounting.V2.InvoiceResponse", invoice(**broken))


def test_missing_required_fields_are_reported() -> None:
    record = invoice()
    del record["id"]
    [error] = schema_errors("accounting", "Accounting.V2.InvoiceResponse", record)
    assert "'id' is a required property" in error


def test_undeclared_error_statuses_are_api_error_responses_and_undeclared_successes_violations() -> None:
    validate_response("crm", "/crm/v2/tenant/1/customers", "GET", 401, ERROR)
    with pytest.raises(ContractViolation, match="errors"):
        validate_response("crm", "/crm/v2/tenant/1/customers", "GET", 429, ERROR | {"errors": None})
    with pytest.raises(ContractViolation, match="declares no 201 response"):
        validate_response("crm", "/crm/v2/tenant/1/customers", "GET", 201, {})
