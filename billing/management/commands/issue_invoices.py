from datetime import date

from django.core.management.base import BaseCommand, CommandError

from billing.services import invoices_issue_month
from portal.errors import PortalError
from portal.jobs.command import require_migrated
from portal.tenancy.models import Partner


class Command(BaseCommand):
    help = ("B-1: issue every OnGoing partner's invoice (or credit note) for one month, e.g. --month 2026-10. "
            "Partners in a time zone where the month has not ended yet are refused.")

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="the month to invoice (YYYY-MM)")

    def handle(self, *args, month: str, **options):
        try:
            first = date.fromisoformat(f"{month}-01")
        except ValueError:
            raise CommandError(f"--month: {month!r} is not a month (YYYY-MM)") from None
        require_migrated()
        zones = sorted(set(Partner.objects.filter(contract_type="ongoing").values_list("time_zone", flat=True)))
        total, refused = 0, []
        for index, time_zone in enumerate(zones, start=1):
            try:
                issued = len(invoices_issue_month(year=first.year, month=first.month, time_zone=time_zone))
            except PortalError as error:
                if error.code != "month_not_ended":
                    raise CommandError(str(error.message)) from None
                refused.append(time_zone)
                self.stderr.write(f"[{index}/{len(zones)}] {time_zone}: {error.message}")
                continue
            total += issued
            self.stdout.write(f"[{index}/{len(zones)}] {time_zone}: {issued} issued")
        self.stdout.write(f"{month}: {total} documents issued")
        if refused:
            raise CommandError(f"--month {month}: the month has not ended yet in {', '.join(refused)}; those "
                               "partners were not invoiced. Run it again once the month has ended there.")
