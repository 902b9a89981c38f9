"""`manage.py person_eligibility BADGE [--date YYYY-MM-DD]`: whether a person is eligible for promotion
and awards on a date, with every liability record that says otherwise (the same answer as
GET /api/v1/persons/{id}/eligibility/ and the person page)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date

from accounts.models import Person
from cases.eligibility import person_eligibility


class Command(BaseCommand):
    help = "Eligibility for promotion and awards of a person (by badge number) on a date (default today)."

    def add_arguments(self, parser):
        parser.add_argument("badge", help="The person's badge number.")
        parser.add_argument("--date", default="", help="YYYY-MM-DD; today when left out.")

    def handle(self, *args, badge, date, **options):
        person = Person.objects.filter(badge_number=badge).first()
        if person is None:
            raise CommandError(f"No person with badge number {badge}.")
        try:
            on_date = parse_date(date) if date else timezone.localdate()
        except ValueError:
            on_date = None
        if on_date is None:
            raise CommandError("--date: write the date as YYYY-MM-DD.")
        result = person_eligibility(person, on_date)
        verdict = "eligible" if result.eligible else "NOT eligible"
        self.stdout.write(f"{person.name} ({person.badge_number}) on {on_date}: {verdict}")
        for reason in result.reasons:
            self.stdout.write(
                f"  {reason['case_number']} · {reason['level']} · {reason['status']} · "
                f"{reason['start_date']} to {reason['end_date']} · {reason['consequence']}"
            )
            self.stdout.write(f"    {reason['reason']}")
