"""Onboarding and managing ServiceTitan credentials."""
