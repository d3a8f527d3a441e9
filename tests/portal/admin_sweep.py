"""The admin sweep (T-8): every page of every registered model admin, opened by operator staff.

For each model in the admin site's registry it makes one object (tests.factories), then opens the
changelist, each choice of each list filter, a search, the add page (and posts it empty), the
change page (and posts it back unchanged), the history page and the delete page (and confirms
it). Any answer of 500 or more, or an exception, is a failure. History records
(portal.appendonly.is_history_record) must refuse add, change and delete with 403 and stay as
they were. A model registered later is covered without touching this file; a model without a
factory fails the sweep until one is added.
"""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib import admin
from django.forms.models import model_to_dict
from django.urls import reverse

from portal.appendonly import is_history_record
from portal.catalogue.models import LicenceProduct, Product
from portal.jobs.models import JobRun
from portal.tenancy.models import Partner, User
from tests.factories import (
    FACTORY_MODELS,
    JobRunFactory,
    LicenceProductFactory,
    PartnerFactory,
    ProductFactory,
    UserFactory,
    for_partner,
)

# Rows that belong to no partner, and the partner itself (a new one: the sweep deletes it).
GLOBAL_MAKERS = {
    Partner: PartnerFactory,
    User: UserFactory,
    Product: ProductFactory,
    LicenceProduct: LicenceProductFactory,
    JobRun: JobRunFactory,
}


def admin_object(model, partner):
    if model in GLOBAL_MAKERS:
        return GLOBAL_MAKERS[model]()
    if model in FACTORY_MODELS:
        return for_partner(model, partner)
    return None


def _value(widget, value) -> str:
    if value is None:
        return ""
    if isinstance(widget, forms.Select):
        return str(value)
    return widget.format_value(value) or ""


def field_data(bound) -> dict:
    """What a browser posts for one bound field, from its current value."""
    field, widget, name = bound.field, bound.field.widget, bound.html_name
    if field.disabled or isinstance(widget, forms.FileInput):
        return {}
    value = bound.value()
    if isinstance(widget, forms.CheckboxInput):
        return {name: "on"} if value else {}
    if isinstance(widget, forms.SelectMultiple):
        return {name: [str(item) for item in value or []]}
    if isinstance(widget, forms.MultiWidget):
        parts = value if isinstance(value, list | tuple) else widget.decompress(value)
        return {f"{name}{suffix}": _value(sub, part)
                for sub, suffix, part in zip(widget.widgets, widget.widgets_names, parts, strict=False)}
    return {name: _value(widget, value)}


def change_form_data(response) -> dict:
    """The change page's form and inline formsets, posted back as they are."""
    data = {}
    for bound in response.context["adminform"].form:
        data |= field_data(bound)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound in formset.management_form:
            data[bound.html_name] = bound.value()
        for form in formset.forms:
            for bound in form:
                data |= field_data(bound)
    return data


class _Sweep:
    def __init__(self, client):
        self.client = client
        self.failures: list[str] = []

    def request(self, method: str, url: str, data=None):
        try:
            response = getattr(self.client, method)(url, data) if data is not None else \
                getattr(self.client, method)(url)
        except Exception as error:  # noqa: BLE001 — any exception is what the sweep reports
            self.failures.append(f"{method.upper()} {url} raised {type(error).__name__}: {error}")
            return None
        if response.status_code >= 500:
            self.failures.append(f"{method.upper()} {url} answered {response.status_code}")
        return response

    def expect(self, response, statuses: set[int], what: str) -> None:
        if response is not None and response.status_code not in statuses:
            self.failures.append(f"{what}: answered {response.status_code}, expected {sorted(statuses)}")


def admin_sweep(client, partner, site=None) -> list[str]:
    """Open every page of every model registered on `site` (the portal's admin by default) as
    `client` (operator staff); return the failures."""
    site = site or admin.site
    sweep = _Sweep(client)
    for model, model_admin in list(site._registry.items()):
        _sweep_model(sweep, site, model, model_admin, partner)
    return sweep.failures


def _sweep_model(sweep: _Sweep, site, model, model_admin, partner) -> None:
    label = model._meta.label
    obj = admin_object(model, partner)
    if obj is None:
        sweep.failures.append(f"{label}: no factory; add one to tests.factories")
        return
    name = f"{site.name}:{model._meta.app_label}_{model._meta.model_name}"
    changelist = reverse(f"{name}_changelist")
    response = sweep.request("get", changelist)
    if response is not None and response.status_code == 200 and response.context and "cl" in response.context:
        changes = response.context["cl"]
        for spec in changes.filter_specs:
            for choice in spec.choices(changes):
                sweep.request("get", changelist + choice["query_string"])
        if model_admin.search_fields:
            sweep.request("get", f"{changelist}?q={quote(str(obj)[:20])}")
    history = is_history_record(model)

    add = reverse(f"{name}_add")
    sweep.expect(sweep.request("get", add), {403} if history else {200, 403}, f"GET {add} [{label}]")
    sweep.request("post", add, {})

    change = reverse(f"{name}_change", args=[obj.pk])
    before = model_to_dict(obj)
    response = sweep.request("get", change)
    sweep.expect(response, {200}, f"GET {change} [{label}]")
    if response is not None and response.status_code == 200:
        posted = sweep.request("post", change, change_form_data(response))
        if history:
            sweep.expect(posted, {403}, f"POST {change} [{label}] is a history record")
        elif posted is not None and posted.status_code == 200 and posted.context and "adminform" in posted.context:
            errors = posted.context["adminform"].form.errors
            sweep.failures.append(f"POST {change} [{label}] unchanged data was refused: {errors.as_text()}")
    sweep.request("get", reverse(f"{name}_history", args=[obj.pk]))

    delete = reverse(f"{name}_delete", args=[obj.pk])
    sweep.expect(sweep.request("get", delete), {403} if history else {200, 403}, f"GET {delete} [{label}]")
    posted = sweep.request("post", delete, {"post": "yes"})
    if history:
        sweep.expect(posted, {403}, f"POST {delete} [{label}] is a history record")
        stored = model._base_manager.filter(pk=obj.pk).first()
        if stored is None or model_to_dict(stored) != before:
            sweep.failures.append(f"{label} {obj.pk}: a history record was changed or deleted through the admin")
