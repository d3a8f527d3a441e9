"""Renewals models."""
