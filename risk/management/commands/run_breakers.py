from django.core.management.base import BaseCommand

from risk.breakers import BATCH_SIZE, breakers_run


class Command(BaseCommand):
    help = (
        "Run the circuit-breaker models (预警熔断) over the business records added since the last run "
        "(the watermark), suspend what trips them and notify the people responsible."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"Records per transaction (default {BATCH_SIZE})."
        )

    def handle(self, *args, **options):
        result = breakers_run(batch_size=max(1, options["batch_size"]))
        self.stdout.write(
            f"scanned {result.scanned} records in {result.batches} batches "
            f"(watermark {result.first_id} -> {result.last_id}): {len(result.created)} breaks created, "
            f"{len(result.already_active)} already active, {len(result.allowlisted)} allowlisted"
        )
        for breaker in result.created:
            self.stdout.write(
                f"  suspended {breaker.get_scope_kind_display()} {breaker.scope_key} ({breaker.model.code})"
            )
        for code, error in result.failed_models.items():
            self.stderr.write(f"  model {code} skipped: {error}")
