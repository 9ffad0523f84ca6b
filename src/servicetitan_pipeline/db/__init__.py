"""The project's own PostgreSQL tables: models, engine and migrations."""
