from portal.jobs.command import JobCommand
from vouchers.tasks import expire_vouchers


class Command(JobCommand):
    help = "V-4: mark unused codes past their expiry date Expired."
    task = expire_vouchers
