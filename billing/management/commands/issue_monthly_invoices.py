from billing.tasks import issue_monthly_invoices
from portal.jobs.command import JobCommand


class Command(JobCommand):
    help = "B-1: one invoice per partner for the previous calendar month."
    task = issue_monthly_invoices
