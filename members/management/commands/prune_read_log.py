"""python manage.py prune_read_log

Delete the entries of the personal-data read log (``PersonalDataRead``) older than
``PERSONAL_DATA_READ_RETENTION_DAYS``. Every new entry already deletes the expired ones;
run this daily (cron, systemd timer) so the log also shrinks when nobody reads."""

from django.conf import settings
from django.core.management.base import BaseCommand

from members.models import PersonalDataRead


class Command(BaseCommand):
    help = "Delete personal-data read log entries older than the retention period."

    def handle(self, **options):
        deleted, _by_model = PersonalDataRead.objects.expired().delete()
        self.stdout.write(
            f"Deleted {deleted} read log entries older than "
            f"{settings.PERSONAL_DATA_READ_RETENTION_DAYS} days."
        )
