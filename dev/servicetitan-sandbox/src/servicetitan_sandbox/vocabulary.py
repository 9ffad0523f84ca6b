"""The words sandbox records are made of: names, places and the trade catalog of a home-services company.

Plain data, chosen to look like a US ServiceTitan tenant (plumbing, HVAC, electrical).
"""

from __future__ import annotations

from typing import NamedTuple

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
    "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra",
    "Donald", "Ashley", "Steven", "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle",
    "Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie",
    "Maria", "Jose", "Luis", "Ana", "Carlos", "Sofia", "Wei", "Mei", "Priya", "Arjun",
)  # fmt: skip

LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
    "O'Brien", "McCarthy", "Kowalski", "Nakamura", "Patel", "Schmidt", "Dubois", "Rossi", "Jensen", "Novak",
)  # fmt: skip

COMPANY_WORDS = (
    "Summit", "Pioneer", "Riverside", "Oakwood", "Lakeside", "Keystone", "Evergreen", "Harbor", "Redwood",
    "Granite", "Cedar", "Liberty", "Northstar", "Silverline", "Bluebird", "Ironwood", "Golden Gate", "Prairie",
)  # fmt: skip

COMPANY_KINDS = (
    "Property Management", "Apartments", "Dental Group", "Realty", "Family Church", "Elementary School",
    "Medical Center", "Restaurant Group", "Hotel", "Storage", "Office Park", "Auto Repair", "Bakery", "Fitness",
)  # fmt: skip

COMPANY_SUFFIXES = ("LLC", "Inc.", "Co.", "LLP", "Corp.", "")

STREET_NAMES = (
    "Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Sunset", "Lincoln",
    "Jackson", "Church", "Highland", "Meadow", "Forest", "River", "Spring", "Willow", "Valley", "Chestnut",
    "Walnut", "Franklin", "Madison", "Jefferson", "Cherry", "Magnolia", "Dogwood", "Sycamore",
)  # fmt: skip

STREET_TYPES = ("St", "Ave", "Rd", "Blvd", "Ln", "Dr", "Ct", "Way", "Pl", "Ter")

UNIT_KINDS = ("Apt", "Unit", "Suite", "#")


class City(NamedTuple):
    name: str
    state: str
    zip_prefix: str
    latitude: float
    longitude: float


CITIES = (
    City("Phoenix", "AZ", "850", 33.4484, -112.0740),
    City("Tucson", "AZ", "857", 32.2226, -110.9747),
    City("Los Angeles", "CA", "900", 34.0522, -118.2437),
    City("San Diego", "CA", "921", 32.7157, -117.1611),
    City("Sacramento", "CA", "958", 38.5816, -121.4944),
    City("Denver", "CO", "802", 39.7392, -104.9903),
    City("Miami", "FL", "331", 25.7617, -80.1918),
    City("Orlando", "FL", "328", 28.5383, -81.3792),
    City("Tampa", "FL", "336", 27.9506, -82.4572),
    City("Atlanta", "GA", "303", 33.7490, -84.3880),
    City("Chicago", "IL", "606", 41.8781, -87.6298),
    City("Indianapolis", "IN", "462", 39.7684, -86.1581),
    City("Boston", "MA", "021", 42.3601, -71.0589),
    City("Detroit", "MI", "482", 42.3314, -83.0458),
    City("Minneapolis", "MN", "554", 44.9778, -93.2650),
    City("Charlotte", "NC", "282", 35.2271, -80.8431),
    City("Las Vegas", "NV", "891", 36.1699, -115.1398),
    City("Columbus", "OH", "432", 39.9612, -82.9988),
    City("Portland", "OR", "972", 45.5152, -122.6784),
    City("Philadelphia", "PA", "191", 39.9526, -75.1652),
    City("Nashville", "TN", "372", 36.1627, -86.7816),
    City("Austin", "TX", "787", 30.2672, -97.7431),
    City("Dallas", "TX", "752", 32.7767, -96.7970),
    City("Houston", "TX", "770", 29.7604, -95.3698),
    City("San Antonio", "TX", "782", 29.4241, -98.4936),
    City("Salt Lake City", "UT", "841", 40.7608, -111.8910),
    City("Seattle", "WA", "981", 47.6062, -122.3321),
)

COUNTRY = "USA"


class CatalogItem(NamedTuple):
    sku_id: int
    name: str
    kind: str  # Accounting.V2.InvoiceItemType
    price_cents: int
    cost_cents: int


CATALOG = (
    CatalogItem(2001, "Diagnostic Fee", "Service", 8900, 0),
    CatalogItem(2002, "AC Tune-Up", "Service", 12900, 2500),
    CatalogItem(2003, "Furnace Safety Inspection", "Service", 9900, 1500),
    CatalogItem(2004, "Drain Cleaning - Main Line", "Service", 24900, 3000),
    CatalogItem(2005, "Water Heater Flush", "Service", 14900, 1200),
    CatalogItem(2006, "Panel Inspection", "Service", 11900, 0),
    CatalogItem(2007, "Labor - Hourly", "Service", 13500, 5500),
    CatalogItem(2008, "After-Hours Surcharge", "Service", 7500, 0),
    CatalogItem(3001, "Capacitor 45/5 MFD", "Material", 18500, 1800),
    CatalogItem(3002, "Contactor 2-Pole 40A", "Material", 16500, 1400),
    CatalogItem(3003, "Pleated Air Filter 16x25x1", "Material", 2900, 600),
    CatalogItem(3004, "PVC Pipe 2in x 10ft", "Material", 3400, 900),
    CatalogItem(3005, "Wax Ring Kit", "Material", 1900, 300),
    CatalogItem(3006, "GFCI Outlet 20A", "Material", 4500, 1100),
    CatalogItem(3007, "Refrigerant R-410A (lb)", "Material", 9500, 2200),
    CatalogItem(3008, "Thermocouple Universal", "Material", 3900, 700),
    CatalogItem(4001, "Water Heater 50 Gal Gas", "Equipment", 189900, 72000),
    CatalogItem(4002, "Tankless Water Heater", "Equipment", 349900, 140000),
    CatalogItem(4003, "Smart Thermostat", "Equipment", 34900, 12000),
    CatalogItem(4004, "Sump Pump 1/2 HP", "Equipment", 64900, 21000),
    CatalogItem(4005, "Heat Pump 3 Ton", "Equipment", 789900, 380000),
    CatalogItem(4006, "Whole-Home Surge Protector", "Equipment", 44900, 15000),
)

BUSINESS_UNITS = ((301, "HVAC - Residential"), (302, "HVAC - Commercial"), (303, "Plumbing"), (304, "Electrical"))

INVOICE_TYPES = ((401, "Service"), (402, "Install"), (403, "Maintenance"), (404, "Warranty"))

JOB_TYPES = ("Service Call", "Maintenance", "Install", "Estimate", "Emergency")

# (payment term name, days until due)
PAYMENT_TERMS = (("Due Upon Receipt", 0), ("Net 15", 15), ("Net 30", 30), ("Net 45", 45))

# (id, name, rate in basis points): sales tax codes of the tenant's service area.
SALES_TAX_CODES = ((501, "County Sales Tax", 725), (502, "City Sales Tax", 825), (503, "Exempt", 0))

EMPLOYEES = ((601, "Dana Whitfield"), (602, "Marcus Bell"), (603, "Priya Raman"), (604, "Tom Kowalczyk"))

CUSTOMER_CUSTOM_FIELDS = ((701, "Lead Source", ("Google", "Referral", "Yard Sign", "Facebook", "Repeat")),)

CUSTOMER_TAG_TYPE_IDS = (801, 802, 803, 804, 805)
