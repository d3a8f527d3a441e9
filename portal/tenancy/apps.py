from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "portal.tenancy"
    label = "tenancy"
    verbose_name = _("Partners and users")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.core.signals import request_finished, request_started
        from django.db.models.signals import post_migrate

        from portal.middleware import idle_clock_start

        from . import rls

        post_migrate.connect(rls.rls_install, sender=self, dispatch_uid="portal.tenancy.rls_install")
        request_started.connect(rls.rls_leave, dispatch_uid="portal.tenancy.rls_leave_started")
        request_finished.connect(rls.rls_leave, dispatch_uid="portal.tenancy.rls_leave_finished")
        user_logged_in.connect(idle_clock_start, dispatch_uid="portal.idle_clock_start")
