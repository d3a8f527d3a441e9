from portal.jobs.command import JobCommand
from renewals.tasks import deactivate_lapsed_licences


class Command(JobCommand):
    help = "R-6: licences not renewed by A + 14 days become inactive."
    task = deactivate_lapsed_licences
