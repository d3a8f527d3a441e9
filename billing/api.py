"""Billing API views (DRF), built on portal.api.base."""
