"""ServiceTitan to PostgreSQL syncs and their monitoring, for Apache Airflow."""
