from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from core.errors import DomainError
from risk.lists import default_issuer, previous_quarter, risk_lists_generate


class Command(BaseCommand):
    help = (
        "Generate and issue the quarterly risk-alert lists (廉政预警风险提醒清单) of every second-level unit; "
        "idempotent per quarter."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quarter", help="The quarter, e.g. 2026Q3 (default: the previous quarter).")
        parser.add_argument(
            "--issuer",
            help="Username of the supervisor who issues the lists (default: settings.RISK_LIST_ISSUER, else the "
            "first active supervisor with scope over all units).",
        )

    def handle(self, *args, **options):
        quarter = options["quarter"] or previous_quarter(timezone.localdate())
        try:
            if options["issuer"]:
                issuer = User.objects.filter(username=options["issuer"], is_active=True).first()
                if issuer is None:
                    raise CommandError(f"--issuer: no active user named {options['issuer']!r}")
            else:
                issuer = default_issuer()
            result = risk_lists_generate(quarter=quarter, issuer=issuer)
        except DomainError as error:
            raise CommandError(f"{error.field or 'error'}: {error.message}") from None
        self.stdout.write(
            f"{result.quarter}: {len(result.created)} lists issued, {len(result.existing)} already existed, "
            f"{len(result.failed)} failed"
        )
        for risk_list in result.created:
            self.stdout.write(
                f"  issued {risk_list.notice.document_number} {risk_list.unit.name}: {len(risk_list.entries)} entries"
            )
        for unit_name, reason in result.failed.items():
            self.stderr.write(f"  not issued {unit_name}: {reason}")
