"""The SQL the runtime reads, shipped in the wheel as ``servicetitan_pipeline.sql`` (see pyproject.toml)."""
