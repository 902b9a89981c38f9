from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_chain_verify


class Command(BaseCommand):
    help = "Walk the operation-log hash chain and report the first broken or missing link."

    def handle(self, *args, **options):
        report = audit_chain_verify()
        if not report.is_intact:
            raise CommandError(f"Audit chain BROKEN at event #{report.first_bad_seq}: {report.message}")
        self.stdout.write(self.style.SUCCESS(report.message))
