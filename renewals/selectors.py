"""Renewals reads."""
