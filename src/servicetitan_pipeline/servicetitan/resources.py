"""The ServiceTitan resources this project syncs, declared as data on one shared shape."""

from __future__ import annotations

from dataclasses import dataclass

from servicetitan_pipeline.servicetitan.records import CUSTOMER, INVOICE, RecordModel


@dataclass(frozen=True)
class Resource:
    name: str
    module: str
    list_path: str
    export_path: str
    primary_key: str
    cursor_field: str
    record_model: RecordModel
    # The list endpoint's filter that returns active and inactive records alike.
    list_all_records: tuple[str, str]

    def url(self, api_url: str, tenant_id: int, *, export: bool) -> str:
        return f"{api_url}{self.path_template(export=export).format(tenant=tenant_id)}"

    def path_template(self, *, export: bool) -> str:
        return f"/{self.module}/v2/tenant/{{tenant}}{self.export_path if export else self.list_path}"


CUSTOMERS = Resource(
    name="customers",
    module="crm",
    list_path="/customers",
    export_path="/export/customers",
    primary_key="id",
    cursor_field="modifiedOn",
    record_model=CUSTOMER,
    list_all_records=("active", "Any"),
)

INVOICES = Resource(
    name="invoices",
    module="accounting",
    list_path="/invoices",
    export_path="/export/invoices",
    primary_key="id",
    cursor_field="modifiedOn",
    record_model=INVOICE,
    list_all_records=("activeState", "All"),
)

RESOURCES = {resource.name: resource for resource in (CUSTOMERS, INVOICES)}
