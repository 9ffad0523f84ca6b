"""ServiceTitan API client: auth, pagination, rate limiting, retries, and the Airflow hook."""
