"""Billing API shapes: the balance (B-7) and its ledger. Amounts are strings with the stored
decimals."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import EntryType, LedgerEntry


class BalanceSerializer(serializers.Serializer):
    """Funds available = balance + credit limit (the balance may go down to minus the limit)."""

    currency = serializers.CharField()
    balance = serializers.DecimalField(max_digits=16, decimal_places=2)
    unpaid_invoices = serializers.DecimalField(max_digits=16, decimal_places=2)
    credit_limit = serializers.DecimalField(max_digits=16, decimal_places=2)
    available = serializers.DecimalField(max_digits=16, decimal_places=2)
    tax_reserved = serializers.DecimalField(
        max_digits=16, decimal_places=2,
        help_text="Of the available funds, held for the tax of orders not invoiced yet: an order needs its price "
                  "plus its tax in the funds that remain.")
    low_balance_threshold = serializers.DecimalField(
        max_digits=16, decimal_places=2,
        help_text="The billing contact is e-mailed when available funds fall under it.")


class LedgerEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = ["id", "created_at", "entry_type", "amount", "balance_after", "currency", "reference", "description"]
        read_only_fields = fields


class LedgerFilterSerializer(serializers.Serializer):
    """Query-string filters of the ledger; dates are the partner's calendar days. A bad value is a
    400 naming the parameter, never a 500."""

    entry_type = serializers.ChoiceField(choices=EntryType.choices, required=False, allow_blank=True)
    date_from = serializers.DateField(required=False, help_text="Entries on or after this day (YYYY-MM-DD).")
    date_to = serializers.DateField(required=False, help_text="Entries on or before this day (YYYY-MM-DD).")

    def validate(self, data):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise serializers.ValidationError({"date_to": _("The end date is before the start date.")},
                                              code="invalid_range")
        return data

    def selector_filters(self) -> dict:
        """The validated filters as billing.selectors.ledger_entries takes them."""
        data = self.validated_data
        return {"entry_type": data.get("entry_type", ""), "date_from": data.get("date_from"),
                "date_to": data.get("date_to")}
