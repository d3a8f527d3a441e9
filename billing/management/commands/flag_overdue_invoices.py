from billing.tasks import flag_overdue_invoices
from portal.jobs.command import JobCommand


class Command(JobCommand):
    help = "B-8: invoices past their due date become Overdue."
    task = flag_overdue_invoices
