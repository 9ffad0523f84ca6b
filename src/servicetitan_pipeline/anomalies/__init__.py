"""Anomalies that fixed rules miss: per-tenant volume and freshness against the tenant's own seasonal baseline,
and schema drift of the raw records. Pure modules (settings, baseline) and the rules and read API
that query the tables of migration 0013."""
