"""Vouchers reads."""
