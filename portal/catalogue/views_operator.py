"""Operator console pages for contract price tables (T-8, P-2): create one with its validity
(and prices from a CSV file), edit its prices in a form, import and export its CSV."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from portal.csvexport import csv_response
from portal.errors import PortalError, add_to_form
from portal.money import quantize
from portal.tenancy.mixins import OperatorRequiredMixin
from portal.tenancy.models import Partner

from . import services
from .forms import (
    CertificatePriceFormSet,
    LicencePriceFormSet,
    PriceImportForm,
    PriceTableCreateForm,
    PriceTableForm,
    formset_rows,
)
from .models import PriceTable
from .pricecsv import COLUMNS, price_csv_export_rows, price_csv_rows
from .selectors import price_table_rows

_FORM_FIELD = {"code": "product"}  # a row's CSV column → the form's field


def _file_rows(upload) -> tuple[list[services.PriceRow], str]:
    return price_csv_rows(upload.read()), f"csv:{upload.name}"[:100]


def _show_row_errors(form, error: PortalError) -> list[str]:
    """A whole file's errors, one line each (they name the file's line and column)."""
    if isinstance(error, services.PriceRowsInvalid):
        return [services.describe_row_error(row_error) for row_error in error.errors]
    add_to_form(form, error)
    return []


class PriceTableCreateView(OperatorRequiredMixin, FormView):
    """/operator/partners/<pk>/price-tables/new/"""

    model = Partner
    template_name = "operator/price_table_new.html"
    form_class = PriceTableCreateForm

    def get_partner(self) -> Partner:
        return get_object_or_404(Partner, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(partner=self.get_partner(), columns=COLUMNS, **kwargs)

    def form_valid(self, form):
        partner = self.get_partner()
        data = form.cleaned_data
        try:
            rows, source = _file_rows(data["csv_file"]) if data.get("csv_file") else ([], "form")
            table = services.price_table_create(actor=self.request.user, partner=partner,
                                                valid_from=data["valid_from"], valid_until=data["valid_until"],
                                                rows=rows, source=source)
        except PortalError as error:
            return self.render_to_response(self.get_context_data(form=form,
                                                                 row_errors=_show_row_errors(form, error)))
        messages.success(self.request, _("Price table created with %(count)s prices.") % {"count": len(rows)})
        return redirect("operator_price_table", pk=table.pk)


class OperatorPriceTableMixin(OperatorRequiredMixin):
    model = PriceTable

    def get_table(self) -> PriceTable:
        if not hasattr(self, "_table"):
            self._table = get_object_or_404(PriceTable.unscoped.select_related("partner"), pk=self.kwargs["pk"])
        return self._table


class PriceTableView(OperatorPriceTableMixin, View):
    """/operator/price-tables/<pk>/: validity and every price in one form; saving replaces the
    table's prices with the form's rows (a ticked "Delete" removes one)."""

    template_name = "operator/price_table.html"

    def get(self, request, pk: int):
        table = self.get_table()
        entries, licences = price_table_rows(table=table)
        form = PriceTableForm(initial={"valid_from": table.valid_from, "valid_until": table.valid_until})
        currency = table.currency
        certificates = CertificatePriceFormSet(prefix="certificates", initial=[
            {"product": e.product.code, "years": e.years, "component": e.component, "name": e.label,
             "list_price": quantize(e.list_price, currency), "discount_rate": e.discount_rate,
             "offered_price": quantize(e.offered_price, currency)} for e in entries])
        licence_rows = LicencePriceFormSet(prefix="licences", initial=[
            {"product": p.product.sku, "list_price": quantize(p.list_price, currency),
             "discount_rate": p.discount_rate, "offered_price": quantize(p.offered_price, currency)}
            for p in licences])
        return self._render(form, certificates, licence_rows)

    def post(self, request, pk: int):
        table = self.get_table()
        form = PriceTableForm(request.POST)
        certificates = CertificatePriceFormSet(request.POST, prefix="certificates")
        licence_rows = LicencePriceFormSet(request.POST, prefix="licences")
        if not (form.is_valid() and certificates.is_valid() and licence_rows.is_valid()):
            return self._render(form, certificates, licence_rows, status=400)
        rows, origin = formset_rows(certificates, licence_rows)
        try:
            services.price_table_update(actor=request.user, table=table, valid_from=form.cleaned_data["valid_from"],
                                        valid_until=form.cleaned_data["valid_until"], rows=rows, source="form")
        except services.PriceRowsInvalid as error:
            for row_error in error.errors:
                row_form = origin.get(row_error.line)
                column = _FORM_FIELD.get(row_error.column, row_error.column)
                column = column if row_form and column in row_form.fields else None
                (row_form or form).add_error(column, row_error.message)
            return self._render(form, certificates, licence_rows, status=400)
        except PortalError as error:
            add_to_form(form, error)
            return self._render(form, certificates, licence_rows, status=error.status)
        messages.success(request, _("Price table saved."))
        return redirect("operator_price_table", pk=table.pk)

    def _render(self, form, certificates, licences, status: int = 200):
        from django.shortcuts import render

        table = self.get_table()
        return render(self.request, self.template_name, {
            "table": table, "partner": table.partner, "form": form, "certificates": certificates,
            "licences": licences, "import_form": PriceImportForm()}, status=status)


class PriceTableImportView(OperatorPriceTableMixin, FormView):
    """/operator/price-tables/<pk>/import/: a CSV file replaces the prices; every bad row is
    listed with its line and column, and nothing is imported."""

    template_name = "operator/price_table_import.html"
    form_class = PriceImportForm

    def get_context_data(self, **kwargs):
        table = self.get_table()
        return super().get_context_data(table=table, partner=table.partner, columns=COLUMNS, **kwargs)

    def form_valid(self, form):
        try:
            rows, source = _file_rows(form.cleaned_data["csv_file"])
            services.price_table_import(actor=self.request.user, table=self.get_table(), rows=rows, source=source)
        except PortalError as error:
            return self.render_to_response(self.get_context_data(form=form, row_errors=_show_row_errors(form, error)),
                                           status=400)
        messages.success(self.request, _("%(count)s prices imported.") % {"count": len(rows)})
        return redirect("operator_price_table", pk=self.get_table().pk)


class PriceTableExportView(OperatorPriceTableMixin, View):
    """/operator/price-tables/<pk>/export.csv: the columns the import reads."""

    def get(self, request, pk: int):
        table = self.get_table()
        name = f"prices-{table.partner.account_number}-{table.valid_from:%Y%m%d}.csv"
        return csv_response(name, COLUMNS, price_csv_export_rows(table))
