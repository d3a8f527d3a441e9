"""Billing reads."""
