"""Invoice records shaped as ``Accounting.V2.InvoiceResponse`` (and the identical export schema).

What was sold (customer, items, amounts, dates) depends on (seed, index) only; what happens to the
invoice later (payment, sent and review status, accounting batch, voiding) on (seed, index, generation).
Amounts are integer cents, so subTotal + salesTax == total exactly and every money string has two
decimals. An invoice names a customer that existed when it was created.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from servicetitan_sandbox import vocabulary
from servicetitan_sandbox.collection import RecordCollection, RecordState
from servicetitan_sandbox.customers import CustomerBuilder
from servicetitan_sandbox.invoice_items import MAX_ITEMS, draw_line, line_item
from servicetitan_sandbox.money import format_money, percentage_of
from servicetitan_sandbox.randomness import below, seeded_random
from servicetitan_sandbox.timestamps import TICKS_PER_DAY, format_midnight, format_timestamp

INVOICE_ID_OFFSET = 50_000_000
ITEM_ID_OFFSET = 90_000_000
JOB_NUMBER_OFFSET = 20_000
SUMMARIES = (
    "Diagnosed no-cool; replaced failed capacitor. System cooling normally.",
    "Annual maintenance visit. Cleaned coils, replaced filter, checked refrigerant.",
    "Cleared main line blockage with cable machine; camera inspected.",
    "Installed new water heater, hauled away old unit, pulled permit.",
    "Replaced tripping breaker and added GFCI protection in kitchen.",
    "Customer reported noise from furnace; tightened blower wheel.",
)
CONFIGURATIONS = ("JobInvoice", "CounterSales", "MembershipInvoice")
CONFIGURATION_CUMULATIVE_WEIGHTS = (88, 95, 100)  # weights 88, 7, 5


@dataclass(frozen=True)
class Sale:
    """What an invoice sold: fixed for its whole life."""

    customer_index: int
    items: list[dict[str, Any]]
    sub_total_cents: int
    sales_tax_cents: int
    tax_code: tuple[int, str, int]
    configuration: str
    job_number: int | None
    job_type: str
    business_unit: tuple[int, str]
    invoice_type: tuple[int, str]
    term: tuple[str, int]
    employee: tuple[int, str]
    summary: str

    @property
    def total_cents(self) -> int:
        return self.sub_total_cents + self.sales_tax_cents


class InvoiceBuilder:
    def __init__(self, seed: int, customers: RecordCollection, customer_builder: CustomerBuilder) -> None:
        self._seed = seed
        self._customers = customers
        self._customer_builder = customer_builder

    def sale(self, index: int, created: int) -> Sale:
        draw = seeded_random(self._seed, "invoice", index)
        # A customer that existed when the invoice was created (customer creation times grow with the index).
        existing = self._customers.timeline.approximate_count_created_before(created)
        customer_index = below(max(1, min(existing, self._customers.size)), self._seed, "invoice customer", index)
        business_unit = draw.choice(vocabulary.BUSINESS_UNITS)
        employee = draw.choice(vocabulary.EMPLOYEES)
        lines = [draw_line(draw) for _ in range(draw.randint(1, MAX_ITEMS))]
        created_on, service_date = format_timestamp(created), format_midnight(created)
        items = [
            line_item(
                line,
                ITEM_ID_OFFSET + index * MAX_ITEMS + order,
                order,
                created_on,
                service_date,
                business_unit,
                employee[0],
            )
            for order, line in enumerate(lines)
        ]
        taxable = sum(line.total_cents for line in lines if line.taxable)
        tax_code = draw.choice(vocabulary.SALES_TAX_CODES)
        configuration = draw.choices(CONFIGURATIONS, cum_weights=CONFIGURATION_CUMULATIVE_WEIGHTS)[0]
        return Sale(
            customer_index=customer_index,
            items=items,
            sub_total_cents=sum(line.total_cents for line in lines),
            sales_tax_cents=percentage_of(taxable, tax_code[2]),
            tax_code=tax_code,
            configuration=configuration,
            job_number=JOB_NUMBER_OFFSET + index if configuration == "JobInvoice" else None,
            job_type=draw.choice(vocabulary.JOB_TYPES),
            business_unit=business_unit,
            invoice_type=draw.choice(vocabulary.INVOICE_TYPES),
            term=draw.choice(vocabulary.PAYMENT_TERMS),
            employee=employee,
            summary=draw.choice(SUMMARIES),
        )

    def build(self, state: RecordState) -> dict[str, Any]:
        sale = self.sale(state.index, state.created)
        customer = self._customer_builder.identity(sale.customer_index)
        customer_id = self._customers.id_of(sale.customer_index)
        later = seeded_random(self._seed, "invoice version", state.index, state.version.generation)
        # Old invoices are mostly settled; a change is usually a payment or a status update.
        paid_share = 0.6 if state.is_creation else 0.85
        payment = later.random()
        balance = 0 if payment < paid_share else (sale.total_cents // 2 if payment < paid_share + 0.1 else None)
        balance_cents = sale.total_cents if balance is None else balance
        paid_on = format_timestamp(state.modified) if balance_cents == 0 and sale.total_cents else None
        sync_status = later.choice(("Pending", "Posted", "Exported"))
        batch_number = below(900, self._seed, "invoice batch", state.index, state.version.generation) + 100
        created_on = format_timestamp(state.created)
        invoice_date = format_midnight(state.created)
        due_date = format_midnight(state.created + sale.term[1] * TICKS_PER_DAY)
        return {
            "id": state.record_id,
            "syncStatus": sync_status,
            "budgetCodeId": None,
            "referenceNumber": str(sale.job_number or state.record_id),
            "invoiceDate": invoice_date,
            "dueDate": due_date,
            "subTotal": format_money(sale.sub_total_cents),
            "salesTax": format_money(sale.sales_tax_cents),
            "salesTaxCode": {"id": sale.tax_code[0], "name": sale.tax_code[1], "taxRate": sale.tax_code[2] / 100},
            "taxZoneId": None,
            "total": format_money(sale.total_cents),
            "balance": format_money(balance_cents),
            "invoiceType": {"id": sale.invoice_type[0], "name": sale.invoice_type[1]},
            "customer": {"id": customer_id, "name": customer.name},
            "customerAddress": customer.address.as_invoice_address(),
            "location": {"id": customer_id + 1, "name": customer.name},
            "locationAddress": customer.address.as_invoice_address(),
            "businessUnit": {"id": sale.business_unit[0], "name": sale.business_unit[1]},
            "termName": sale.term[0],
            "createdBy": sale.employee[1],
            "batch": {"id": 700_000 + batch_number, "number": str(batch_number), "name": f"Batch {batch_number}"}
            if sync_status != "Pending"
            else None,
            "depositedOn": None,
            "createdOn": created_on,
            "modifiedOn": format_timestamp(state.modified),
            "adjustmentToId": None,
            "job": {"id": 30_000_000 + state.index, "number": str(sale.job_number), "type": sale.job_type}
            if sale.job_number
            else None,
            "projectId": None,
            "royalty": None,
            "employeeInfo": {
                "id": sale.employee[0],
                "name": sale.employee[1],
                "modifiedOn": created_on,
            },
            "commissionEligibilityDate": None,
            "sentStatus": "NotSent" if state.is_creation and later.random() < 0.2 else later.choice(("Sent", "Opened")),
            "reviewStatus": later.choice(("NeedsReview", "Reviewed", "Reviewed", "Invoiced")),
            "assignedTo": None,
            "summary": sale.summary,
            "items": sale.items,
            "customFields": [],
            "active": state.active,
            "discountTotal": "0.00",
            "importId": None,
            "exportId": None,
            "materialSkuId": None,
            "membershipId": 40_000_000 + sale.customer_index if sale.configuration == "MembershipInvoice" else None,
            "paidOn": paid_on,
            "invoiceConfiguration": sale.configuration,
        }
