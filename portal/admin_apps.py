from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """Django's admin with the portal's site (portal/admin_base.py): operator staff only, every
    registered model on the shared base."""

    default_site = "portal.admin_base.PortalAdminSite"
