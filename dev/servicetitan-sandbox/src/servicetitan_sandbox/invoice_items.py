"""Invoice line items (``Accounting.V2.InvoiceItemResponse``): a product of the catalog at a quantity.

What a line costs depends only on its product and quantity, so each (product, quantity) pair is priced
and its money written out once, at import: a page of 5,000 invoices has some 15,000 lines but only a
few dozen distinct prices.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from servicetitan_sandbox import vocabulary
from servicetitan_sandbox.money import format_money, multiply_cents

MAX_ITEMS = 5
# Hundredths (1.50 is 150), drawn for services and materials; equipment is always sold one at a time.
QUANTITIES = (100, 100, 150, 200, 300)
EQUIPMENT_QUANTITY = 100
INCOME_ACCOUNTS = {
    "Service": {"id": 1101, "name": "Service Income", "number": "4000", "type": "Income", "detailType": "Service"},
    "Material": {"id": 1102, "name": "Materials Income", "number": "4100", "type": "Income", "detailType": "Sales"},
    "Equipment": {"id": 1103, "name": "Equipment Sales", "number": "4200", "type": "Income", "detailType": "Sales"},
}


@dataclass(frozen=True)
class PricedLine:
    """A product at a quantity, with its amounts as the item writes them."""

    product: vocabulary.CatalogItem
    quantity: str  # also written with two decimals: "1.50"
    cost: str
    total_cost: str
    price: str
    total: str
    total_cents: int
    taxable: bool
    sold_hours: float | None


def _priced(product: vocabulary.CatalogItem, quantity: int) -> PricedLine:
    total_cents = multiply_cents(product.price_cents, quantity)
    return PricedLine(
        product=product,
        quantity=format_money(quantity),
        cost=format_money(product.cost_cents),
        total_cost=format_money(multiply_cents(product.cost_cents, quantity)),
        price=format_money(product.price_cents),
        total=format_money(total_cents),
        total_cents=total_cents,
        taxable=product.kind != "Service",
        sold_hours=quantity / 100 if product.kind == "Service" else None,
    )


_PRICED = {
    (product, quantity): _priced(product, quantity)
    for product in vocabulary.CATALOG
    for quantity in (*QUANTITIES, EQUIPMENT_QUANTITY)
}


def draw_line(draw: random.Random) -> PricedLine:
    """What one line sells (two draws at most, in this order: the product, then its quantity)."""
    product = draw.choice(vocabulary.CATALOG)
    quantity = EQUIPMENT_QUANTITY if product.kind == "Equipment" else draw.choice(QUANTITIES)
    return _PRICED[product, quantity]


def line_item(
    line: PricedLine,
    item_id: int,
    order: int,
    created_on: str,
    service_date: str,
    business_unit: tuple[int, str],
    technician_id: int,
) -> dict[str, Any]:
    product = line.product
    return {
        "id": item_id,
        "description": product.name,
        "quantity": line.quantity,
        "cost": line.cost,
        "totalCost": line.total_cost,
        "budgetCodeId": None,
        "inventoryLocationId": None,
        "inventoryLocation": None,
        "price": line.price,
        "type": product.kind,
        "skuName": product.name,
        "skuId": product.sku_id,
        "total": line.total,
        "inventory": product.kind == "Material",
        "taxable": line.taxable,
        "isChargeable": True,
        "generalLedgerAccount": dict(INCOME_ACCOUNTS[product.kind]),
        "costOfSaleAccount": None,
        "assetAccount": None,
        "membershipTypeId": 0,
        "itemGroup": None,
        "displayName": product.name,
        "soldHours": line.sold_hours,
        "createdOn": created_on,
        "modifiedOn": created_on,
        "serviceDate": service_date,
        "order": order,
        "businessUnit": {"id": business_unit[0], "name": business_unit[1]},
        "createdById": technician_id,
        "displayInAmount": True,
        "importId": None,
        "exportId": None,
        "inventoryStatus": None,
        "addOn": False,
        "memberPrice": None,
        "technicianId": technician_id,
        "installedEquipmentId": None,
        "estimateItemId": None,
    }
