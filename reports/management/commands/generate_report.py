from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from core.errors import DomainError
from reports.services import report_generate


class Command(BaseCommand):
    help = (
        "Generate the half-year or annual supervision report (支队大监督工作报告) as .docx; each run writes "
        "a new version (never overwrites), unless --if-missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="A half year (2026H1, 2026H2) or a year (2026).")
        parser.add_argument(
            "--actor", help="Username recorded as the generator (a supervisor or administrator of all units)."
        )
        parser.add_argument(
            "--if-missing", action="store_true", help="Do nothing when the period already has a report (as the beat)."
        )

    def handle(self, *args, **options):
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"], is_active=True).first()
            if actor is None:
                raise CommandError(f"--actor: no active user named {options['actor']!r}")
        try:
            report = report_generate(period=options["period"], actor=actor, only_if_missing=options["if_missing"])
        except DomainError as error:
            name = "--period" if error.field == "period" else (error.field or "error")
            raise CommandError(f"{name}: {error.message}") from None
        self.stdout.write(
            f"{report.period} v{report.version}: {report.file.name} ({report.size} bytes, sha256 {report.sha256})"
        )
