from portal.jobs.command import JobCommand
from renewals.tasks import send_renewal_notices


class Command(JobCommand):
    help = "R-6: renewal notification e-mails, each sent once."
    task = send_renewal_notices
