"""Syncing customers and invoices from ServiceTitan into PostgreSQL."""
