"""Customer records shaped as ``Crm.V2.Customers.CustomerResponse`` (and the identical export schema).

Who the customer is (name, type, address) depends on (seed, index) only, so it never changes and
invoices can name their customer; what changes from version to version (balance, flags, tags,
active/merged) depends on (seed, index, generation).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from servicetitan_sandbox import vocabulary
from servicetitan_sandbox.collection import RecordCollection, RecordState
from servicetitan_sandbox.money import money_number
from servicetitan_sandbox.randomness import below, seeded_random, unit
from servicetitan_sandbox.timestamps import format_timestamp

CUSTOMER_ID_OFFSET = 10_000_000
COMMERCIAL_SHARE = 0.25
# "False indicates that someone has deactivated the customer record, typically upon merging": most
# inactive customers are merged into another one.
MERGED_SHARE_OF_INACTIVE = 0.7
IDENTITY_CACHE_SIZE = 16_384


@dataclass(frozen=True, slots=True)
class Address:
    street: str
    unit: str | None
    city: str
    state: str
    zip: str
    country: str
    latitude: float
    longitude: float

    def as_customer_address(self) -> dict[str, Any]:
        return {
            "street": self.street,
            "unit": self.unit,
            "city": self.city,
            "state": self.state,
            "zip": self.zip,
            "country": self.country,
            "latitude": self.latitude,
            "longitude": self.longitude,
        }

    def as_invoice_address(self) -> dict[str, Any]:
        """``Accounting.V2.AddressResponse`` has no coordinates."""
        return {
            "street": self.street,
            "unit": self.unit,
            "city": self.city,
            "state": self.state,
            "zip": self.zip,
            "country": self.country,
        }


@dataclass(frozen=True, slots=True)
class CustomerIdentity:
    name: str
    commercial: bool
    address: Address
    created_by_id: int
    tax_exempt: bool
    national_account: bool
    payment_term_id: int | None
    lead_source: str | None


class CustomerBuilder:
    def __init__(self, seed: int, customers: RecordCollection) -> None:
        self._seed = seed
        self._customers = customers
        # Every invoice names its customer: without the cache, drawing who that is again costs as much as
        # a quarter of the invoice. Bounded, so a tenant of millions of customers holds only the recent ones.
        self.identity = lru_cache(maxsize=IDENTITY_CACHE_SIZE)(self._identity)

    def _identity(self, index: int) -> CustomerIdentity:
        draw = seeded_random(self._seed, "customer", index)
        commercial = draw.random() < COMMERCIAL_SHARE
        return CustomerIdentity(
            name=_company_name(draw)
            if commercial
            else f"{draw.choice(vocabulary.FIRST_NAMES)} {draw.choice(vocabulary.LAST_NAMES)}",
            commercial=commercial,
            address=_address(draw, commercial),
            created_by_id=draw.choice(vocabulary.EMPLOYEES)[0],
            tax_exempt=commercial and draw.random() < 0.1,
            national_account=commercial and draw.random() < 0.05,
            payment_term_id=draw.randint(1, len(vocabulary.PAYMENT_TERMS)) if commercial else None,
            lead_source=draw.choice(vocabulary.CUSTOMER_CUSTOM_FIELDS[0][2]) if draw.random() < 0.6 else None,
        )

    def build(self, state: RecordState) -> dict[str, Any]:
        who = self.identity(state.index)
        now = seeded_random(self._seed, "customer version", state.index, state.version.generation)
        balance_cents = 0 if now.random() < 0.7 else now.randint(1_000, 250_000)
        credit_limit_cents = 500_000 if who.commercial else None
        type_id, field_name, _ = vocabulary.CUSTOMER_CUSTOM_FIELDS[0]
        return {
            "id": state.record_id,
            "active": state.active,
            "name": who.name,
            "type": "Commercial" if who.commercial else "Residential",
            "address": who.address.as_customer_address(),
            "customFields": [{"typeId": type_id, "name": field_name, "value": who.lead_source}]
            if who.lead_source
            else [],
            "balance": money_number(balance_cents),
            "taxExempt": who.tax_exempt,
            "tagTypeIds": sorted(now.sample(vocabulary.CUSTOMER_TAG_TYPE_IDS, now.randint(0, 2))),
            "doNotMail": now.random() < 0.05,
            "doNotService": now.random() < 0.01,
            "nationalAccount": who.national_account,
            "createdOn": format_timestamp(state.created),
            "createdById": who.created_by_id,
            "modifiedOn": format_timestamp(state.modified),
            "mergedToId": self._merged_into(state),
            "paymentTermId": who.payment_term_id,
            "creditLimit": money_number(credit_limit_cents) if credit_limit_cents else None,
            "creditLimitBalance": money_number(credit_limit_cents - balance_cents) if credit_limit_cents else None,
            "externalData": [],
        }

    def _merged_into(self, state: RecordState) -> int | None:
        """An inactive customer is usually merged into an older one (which exists, as ids are older)."""
        if state.active or state.index == 0:
            return None
        # Keyed by the record only: a merged customer stays merged into the same one in later versions.
        if unit(self._seed, "customer merged", state.index) >= MERGED_SHARE_OF_INACTIVE:
            return None
        return self._customers.id_of(below(state.index, self._seed, "customer merged into", state.index))


def _company_name(draw: random.Random) -> str:
    words = [draw.choice(vocabulary.COMPANY_WORDS), draw.choice(vocabulary.COMPANY_KINDS)]
    suffix = draw.choice(vocabulary.COMPANY_SUFFIXES)
    return " ".join(words + ([suffix] if suffix else []))


def _address(draw: random.Random, commercial: bool) -> Address:
    city = draw.choice(vocabulary.CITIES)
    unit_number = None
    if draw.random() < (0.4 if commercial else 0.15):
        kind = "Suite" if commercial else draw.choice(vocabulary.UNIT_KINDS)
        unit_number = f"{kind} {draw.randint(1, 450)}{draw.choice(('', '', 'A', 'B'))}"
    street_name = draw.choice(vocabulary.STREET_NAMES)
    return Address(
        street=f"{draw.randint(100, 9999)} {street_name} {draw.choice(vocabulary.STREET_TYPES)}",
        unit=unit_number,
        city=city.name,
        state=city.state,
        zip=f"{city.zip_prefix}{draw.randint(0, 99):02d}",
        country=vocabulary.COUNTRY,
        latitude=round(city.latitude + draw.uniform(-0.15, 0.15), 6),
        longitude=round(city.longitude + draw.uniform(-0.15, 0.15), 6),
    )
