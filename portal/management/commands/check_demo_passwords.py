from django.core.management.base import BaseCommand, CommandError

from portal.demo import accounts_with_known_demo_password


class Command(BaseCommand):
    help = "Fail if a demo login or an operator account still has the published demo password."

    def handle(self, *args, **options):
        accounts = accounts_with_known_demo_password()
        if accounts:
            raise CommandError("These accounts have the published demo password; change it (manage.py "
                               f"changepassword <e-mail>) or deactivate them: {', '.join(accounts)}")
        self.stdout.write("No account has the published demo password.")
