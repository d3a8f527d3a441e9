from portal.jobs.command import JobCommand

from billing.tasks import flag_overdue_invoices


class Command(JobCommand):
    help = "B-8: invoices past their due date become Overdue."
    task = flag_overdue_invoices
