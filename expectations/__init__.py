"""The expectation suites, shipped in the wheel as ``servicetitan_pipeline.expectations`` (see pyproject.toml)."""
