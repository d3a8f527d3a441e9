"""Customers reads."""
