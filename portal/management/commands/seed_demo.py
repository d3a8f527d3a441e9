import os
import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.demo import DEMO_PASSWORD, KNOWN_DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = ("Load the demo data (idempotent) and print the demo logins. Under production settings only "
            "with --production, and then with a random password printed once.")

    def add_arguments(self, parser):
        parser.add_argument("--production", action="store_true",
                            help="Load the demo data although the settings are production's (a demo server).")

    def handle(self, *args, **options):
        password = DEMO_PASSWORD
        if settings.PORTAL_PRODUCTION:
            if not options["production"]:
                raise CommandError("Refusing to load demo data with production settings; pass --production "
                                   "(PORTAL_DEMO_DATA=1 for docker compose) for a demonstration server.")
            password = os.environ.get("PORTAL_DEMO_PASSWORD") or secrets.token_urlsafe(12)
            if password == KNOWN_DEMO_PASSWORD:
                raise CommandError("The published demo password is refused with production settings; unset "
                                   "PORTAL_DEMO_PASSWORD to get a random one.")
        logins, created = seed_demo(password=password)
        width = max(len(login.email) for login in logins)
        if not created:
            self.stdout.write("\nDemo logins (they existed already; their password is unchanged)")
        elif settings.PORTAL_PRODUCTION:
            self.stdout.write(f"\nDemo logins (password for all, shown this once: {password})")
        else:
            self.stdout.write(f"\nDemo logins (password for all: {password})")
        for login in logins:
            self.stdout.write(f"  {login.email:<{width}}  {login.role:<16} {login.account}")
