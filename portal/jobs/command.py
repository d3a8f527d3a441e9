"""Base of the job management commands: `manage.py <job> [--today YYYY-MM-DD]` runs the same
task function the beat schedule runs, in this process."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError


class JobCommand(BaseCommand):
    task = None  # a Celery task; called directly (synchronously)

    def add_arguments(self, parser):
        parser.add_argument("--today", help="run as if today were this date (YYYY-MM-DD)")

    def handle(self, *args, today=None, **options):
        if today is not None:
            try:
                date.fromisoformat(today)
            except ValueError:
                raise CommandError(f"--today: {today!r} is not a date (YYYY-MM-DD)") from None
        result = type(self).task(today=today)
        self.stdout.write(f"{self.task.name}: {result}")
