"""Development tooling of servicetitan-pipeline: demo, embedded PostgreSQL, dev run, Slack receiver, settings."""
