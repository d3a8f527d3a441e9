from portal.jobs.command import JobCommand
from renewals.tasks import send_renewal_notices


class Command(JobCommand):
    help = "R-6: renewal notices at A − 30, A and A + 7 days, each recorded and e-mailed once."
    task = send_renewal_notices
