"""Operator staff hold every Django permission (T-3: the operator may do everything).

The portal's roles live in portal.tenancy.roles; Django's per-model permissions are used by the
admin only, and the admin's shared base (portal/admin_base.py) narrows them where the product
says so (history records are read-only). This backend authenticates nobody.
"""

from __future__ import annotations


class OperatorPermissionsBackend:
    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        return None

    @staticmethod
    def _is_operator(user_obj) -> bool:
        return bool(user_obj.is_active and getattr(user_obj, "is_operator", False))

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return self._is_operator(user_obj)

    def has_module_perms(self, user_obj, app_label) -> bool:
        return self._is_operator(user_obj)
