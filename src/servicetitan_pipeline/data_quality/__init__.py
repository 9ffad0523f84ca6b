"""Data quality: Great Expectations suites (``expectations/``) run on what each sync loaded."""
