"""The operator's Django admin: one shared base under every registered model (T-8, T-5).

- Only operator staff (`is_operator`) reach it (`PortalAdminSite.has_permission`); inside, they
  may do what each model admin allows (portal.tenancy.backends gives them Django's permissions).
- Every admin view runs inside `every_partner()` and lists `Model.unscoped`: the admin is the
  operator's cross-partner view, and Django's own admin code (inline formsets, unique and
  constraint checks, related-field widgets, list filters) queries `_default_manager`, which
  refuses unscoped queries everywhere else.
- History records (`portal.appendonly.is_history_record`: the audit log, ledgers, consents,
  issued invoices …) are read-only: no add, no change, no delete.
- Every save and delete, inline rows included, writes an audit entry with before and after.

`PortalAdminSite.register` puts `UnscopedAdminMixin` under any admin class it is given (and
`UnscopedInlineMixin` under its inlines), so a newly registered model gets all of the above
without asking; `tests/portal/test_admin_sweep.py` opens every page of every registered model.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.appendonly import is_history_record
from portal.audit.services import audit_record
from portal.tenancy.scoping import TenantModel, every_partner

# Never copied into an audit entry: an admin change of one of these says only that it changed.
SECRET_FIELDS = frozenset({"password", "hashed_secret"})
CHANGED = "(changed)"


def _display(value) -> object:
    """A form or model value as the audit log shows it."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, models.QuerySet | list | tuple | set):
        return ", ".join(sorted(str(_display(item)) for item in value))
    return value


def _field_value(field, value):
    """A foreign key's initial value is its pk: show the row instead."""
    if isinstance(field, models.ForeignKey) and value is not None and not isinstance(value, models.Model):
        return field.remote_field.model._base_manager.filter(pk=value).first() or value
    return value


def form_changes(form, *, created: bool) -> tuple[dict, dict]:
    """(before, after) of the model fields a model form changed (all it set, for a new row)."""
    opts = form._meta.model._meta
    names = {field.name: field for field in opts.get_fields() if getattr(field, "concrete", False)}
    if created:
        changed = [name for name, value in form.cleaned_data.items() if name in names and value not in (None, "")]
    else:
        changed = [name for name in form.changed_data if name in names]
    before, after = {}, {}
    for name in changed:
        new = form.cleaned_data.get(name)
        if name in SECRET_FIELDS:
            after[name] = CHANGED
            continue
        if not created:
            before[name] = _display(_field_value(names[name], form.initial.get(name)))
        after[name] = _display(new)
    return before, after


def row_snapshot(obj: models.Model) -> dict:
    return {field.name: CHANGED if field.name in SECRET_FIELDS else _display(getattr(obj, field.name, None))
            for field in obj._meta.concrete_fields if not field.primary_key}


def partner_of(obj: models.Model, *, deleting: bool = False):
    """The partner an admin change belongs to (None for operator-level rows such as products)."""
    from portal.tenancy.models import Partner

    if isinstance(obj, Partner):
        return None if deleting else obj  # a deleted partner cannot be referenced by its entry
    if isinstance(obj, TenantModel) and obj.partner_id:
        return Partner.objects.filter(pk=obj.partner_id).first()
    return None


def _audit(request, action: str, obj: models.Model, *, before: dict | None = None, after: dict | None = None,
           deleting: bool = False) -> None:
    audit_record(action=action, obj=obj, actor=request.user, partner=partner_of(obj, deleting=deleting),
                 before=before, after=after)


class UnscopedInlineMixin:
    """Inline rows: every partner's (the parent scopes them), read-only for history records."""

    def get_queryset(self, request):
        qs = getattr(self.model, "unscoped", self.model._default_manager).get_queryset()
        ordering = self.get_ordering(request)
        return qs.order_by(*ordering) if ordering else qs

    def has_add_permission(self, request, obj=None):
        return not is_history_record(self.model) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not is_history_record(self.model) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not is_history_record(self.model) and super().has_delete_permission(request, obj)


class UnscopedAdminMixin:
    """The shared base of every model admin (see the module docstring)."""

    def get_queryset(self, request):
        qs = getattr(self.model, "unscoped", self.model._default_manager).get_queryset()
        ordering = self.get_ordering(request)
        return qs.order_by(*ordering) if ordering else qs

    def has_add_permission(self, request):
        return not is_history_record(self.model) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return not is_history_record(self.model) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not is_history_record(self.model) and super().has_delete_permission(request, obj)

    # --- every save and delete is audited (T-5) -----------------------------------------------

    def save_model(self, request, obj, form, change):
        before, after = form_changes(form, created=not change)
        super().save_model(request, obj, form, change)
        if after or not change:
            _audit(request, "admin.changed" if change else "admin.created", obj, before=before, after=after)

    def delete_model(self, request, obj):
        _audit(request, "admin.deleted", obj, before=row_snapshot(obj), deleting=True)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            _audit(request, "admin.deleted", obj, before=row_snapshot(obj), deleting=True)
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        """Inline rows: new tenant rows take the parent's partner; each row saved or deleted is
        audited on its own."""
        for deleted in formset.deleted_forms:
            if deleted.instance.pk is not None:
                _audit(request, "admin.deleted", deleted.instance, before=row_snapshot(deleted.instance))
        pending = []
        for row in formset.forms:
            if row in formset.deleted_forms or not row.has_changed() or not hasattr(row, "cleaned_data"):
                continue
            created = row.instance._state.adding
            pending.append((row, created, *form_changes(row, created=created)))
        instances = formset.save(commit=False)
        partner_id = _partner_id(form.instance)
        for instance in instances:
            if isinstance(instance, TenantModel) and instance.partner_id is None:
                instance.partner_id = partner_id
            instance.save()
        for instance in formset.deleted_objects:
            instance.delete()
        formset.save_m2m()
        for row, created, before, after in pending:
            _audit(request, "admin.created" if created else "admin.changed", row.instance, before=before,
                   after=after)


def _partner_id(parent: models.Model) -> int | None:
    from portal.tenancy.models import Partner

    if isinstance(parent, Partner):
        return parent.pk
    return getattr(parent, "partner_id", None)


class UnscopedAdmin(UnscopedAdminMixin, admin.ModelAdmin):
    pass


def _with_mixin(mixin: type, cls: type) -> type:
    if issubclass(cls, mixin):
        return cls
    return type(cls.__name__, (mixin, cls), {"__module__": cls.__module__, "__doc__": cls.__doc__})


def _every_partner_view(view):
    """Run an admin view, and render its response, inside `every_partner()`: a template response
    renders formsets' empty forms and widgets lazily, after the view has returned."""

    @wraps(view)
    def inner(request, *args, **kwargs):
        with every_partner():
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        return response

    return inner


class PortalAdminSite(admin.AdminSite):
    site_header = _("Partner Portal administration")
    site_title = _("Partner Portal administration")
    index_title = _("Operator set-up")

    def has_permission(self, request):
        return request.user.is_active and getattr(request.user, "is_operator", False)

    def admin_view(self, view, cacheable=False):
        return super().admin_view(_every_partner_view(view), cacheable)

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = _with_mixin(UnscopedAdminMixin, admin_class or admin.ModelAdmin)
        inlines = [_with_mixin(UnscopedInlineMixin, inline) for inline in admin_class.inlines]
        if any(inline not in admin_class.inlines for inline in inlines):
            admin_class = type(admin_class.__name__, (admin_class,),
                               {"__module__": admin_class.__module__, "inlines": inlines})
        return super().register(model_or_iterable, admin_class, **options)


__all__ = ["PortalAdminSite", "UnscopedAdmin", "UnscopedAdminMixin", "UnscopedInlineMixin"]
