"""Vouchers models."""
