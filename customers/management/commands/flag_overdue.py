from customers.tasks import flag_overdue_pas
from portal.jobs.command import JobCommand


class Command(JobCommand):
    help = "C-6: purchase authorizations not ordered within 14 days become Overdue."
    task = flag_overdue_pas
