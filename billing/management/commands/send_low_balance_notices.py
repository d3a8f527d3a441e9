from billing.tasks import send_low_balance_notices
from portal.jobs.command import JobCommand


class Command(JobCommand):
    help = "B-7: e-mail the billing contact once per crossing of the threshold."
    task = send_low_balance_notices
