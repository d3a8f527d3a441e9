"""Base of the job management commands: `manage.py <job> [--today YYYY-MM-DD]` runs the same
task function the beat schedule runs, in this process."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError


def require_migrated() -> None:
    """A job on a database without the code's migrations (a fresh clone) says what to do instead
    of failing on a missing table."""
    from portal.health import migrations_pending

    if migrations_pending():
        raise CommandError("The database has unapplied migrations: run `python manage.py migrate` "
                           "(`make run` does it) first.")


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
        require_migrated()
        result = type(self).task(today=today)
        self.stdout.write(f"{self.task.name}: {result}")
