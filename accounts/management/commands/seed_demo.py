"""`manage.py seed_demo`: a realistic demo detachment and one login per demo role.

Idempotent: every row is looked up first (units by code, persons by badge number, positions by
person, unit, level and start date, users by username), and a service is called only for rows
that are missing, so a second run writes nothing, not even an audit event.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, DEMO_USERS
from accounts.demo_data import DemoPlan, build_plan
from accounts.models import BusinessArea, PartyOrganization, Person, Position, Post, RoleAssignment, Unit, User
from accounts.services import person_save, position_save, role_assign, unit_save
from rectification.demo import seed_rectification_demo, summary_line
from risk.demo import risk_summary_line, seed_risk_demo


@dataclass
class Tally:
    created: int = 0
    existing: int = 0

    def count(self, created: bool) -> None:
        if created:
            self.created += 1
        else:
            self.existing += 1


class Seeder:
    """Writes the missing part of a DemoPlan. Run it inside one transaction."""

    def __init__(self, plan: DemoPlan) -> None:
        self.plan = plan
        self.units: dict[str, Unit] = {}
        self.posts: dict[str, Post] = {}
        self.users: dict[str, User] = {}
        self.persons: dict[str, Person] = {}
        self.party_organizations: dict[str, PartyOrganization] = {}
        self.tallies = {
            name: Tally()
            for name in ("units", "party organisations", "posts", "users", "persons", "positions", "role assignments")
        }

    def run(self) -> dict[str, Tally]:
        self.seed_units()
        self.seed_posts()
        self.seed_users()
        self.seed_persons()
        self.seed_positions()
        self.seed_party_organizations()
        self.seed_business_area_leads()
        self.seed_role_assignments()
        return self.tallies

    def seed_units(self) -> None:
        existing = Unit.objects.in_bulk(field_name="code")
        for spec in self.plan.units:  # parents come before their children
            unit = existing.get(spec.code)
            if unit is None:
                unit = unit_save(
                    actor=None,
                    unit=Unit(
                        code=spec.code,
                        name=spec.name,
                        kind=spec.kind,
                        sort_order=spec.sort_order,
                        parent=self.units[spec.parent] if spec.parent else None,
                    ),
                )
            self.tallies["units"].count(spec.code not in existing)
            self.units[spec.code] = unit

    def seed_posts(self) -> None:
        existing = Post.objects.in_bulk(field_name="code")
        areas = BusinessArea.objects.in_bulk(field_name="code")
        for spec in self.plan.posts:
            post = existing.get(spec.code)
            if post is None:
                post = Post.objects.create(
                    code=spec.code,
                    name=spec.name,
                    risk_level=spec.risk_level,
                    description=spec.description,
                    business_area=areas.get(spec.business_area) if spec.business_area else None,
                )
            self.tallies["posts"].count(spec.code not in existing)
            self.posts[spec.code] = post

    def seed_users(self) -> None:
        existing = User.objects.in_bulk([row[0] for row in DEMO_USERS], field_name="username")
        # Hashed once for all demo logins: they share a published password anyway, and each hash
        # costs a noticeable fraction of a second.
        password = None
        for username, role, *_rest in DEMO_USERS:
            user = existing.get(username)
            if user is None:
                password = password or make_password(DEMO_PASSWORD)
                is_admin = role == "admin"
                user = User.objects.create(
                    username=username, password=password, is_demo=True, is_staff=is_admin, is_superuser=is_admin
                )
            self.tallies["users"].count(username not in existing)
            self.users[username] = user

    def seed_persons(self) -> None:
        existing = Person.objects.in_bulk(field_name="badge_number")
        user_of = {
            badge: self.users[username] for username, badge in self.plan.demo_persons.items() if username in self.users
        }
        linked_user_ids = set(Person.objects.filter(user__isnull=False).values_list("user_id", flat=True))
        for spec in self.plan.persons:
            person = existing.get(spec.badge_number)
            user = user_of.get(spec.badge_number)
            if person is None:
                person = person_save(
                    actor=None,
                    person=Person(
                        badge_number=spec.badge_number,
                        name=spec.name,
                        unit=self.units[spec.unit],
                        category=spec.category,
                        rank=spec.rank,
                        post=self.posts[spec.post],
                        is_party_member=spec.is_party_member,
                        is_active=spec.is_active,
                        user=user if user is not None and user.pk not in linked_user_ids else None,
                    ),
                )
            elif user is not None and person.user_id is None and user.pk not in linked_user_ids:
                # A demo login created after its person (e.g. a user deleted by hand): link them again.
                person.user = user
                person_save(actor=None, person=person)
            if person.user_id:
                linked_user_ids.add(person.user_id)
            self.tallies["persons"].count(spec.badge_number not in existing)
            self.persons[spec.badge_number] = person

    def seed_positions(self) -> None:
        existing = set(Position.objects.values_list("person_id", "unit_id", "level", "start_date"))
        for spec in self.plan.positions:
            person, unit = self.persons[spec.badge_number], self.units[spec.unit]
            key = (person.pk, unit.pk, spec.level, spec.start_date)
            if key not in existing:
                position_save(
                    actor=None,
                    position=Position(
                        person=person,
                        unit=unit,
                        level=spec.level,
                        title=spec.title,
                        start_date=spec.start_date,
                        end_date=spec.end_date,
                    ),
                    in_charge_of=[self.units[code] for code in spec.in_charge_of] or None,
                )
                existing.add(key)
                self.tallies["positions"].created += 1
            else:
                self.tallies["positions"].existing += 1

    def seed_party_organizations(self) -> None:
        existing = PartyOrganization.objects.in_bulk(field_name="name")
        for spec in self.plan.party_organizations:  # parents come before their children
            organization = existing.get(spec.name)
            if organization is None:
                organization = PartyOrganization.objects.create(
                    name=spec.name,
                    kind=spec.kind,
                    unit=self.units[spec.unit],
                    parent=self.party_organizations[spec.parent] if spec.parent else None,
                    secretary=self.persons[spec.secretary] if spec.secretary else None,
                )
            self.tallies["party organisations"].count(spec.name not in existing)
            self.party_organizations[spec.name] = organization
        # Every unit answers to one party organisation; set it where it is still empty.
        for spec in self.plan.units:
            unit = self.units[spec.code]
            if unit.party_organization_id is None:
                unit.party_organization = self.party_organizations[spec.party_organization]
                unit_save(actor=None, unit=unit)

    def seed_business_area_leads(self) -> None:
        for area in BusinessArea.objects.filter(code__in=self.plan.business_area_leads, lead_department__isnull=True):
            area.lead_department = self.units[self.plan.business_area_leads[area.code]]
            area.save(update_fields=["lead_department"])

    def seed_role_assignments(self) -> None:
        existing = set(RoleAssignment.objects.values_list("user_id", "role", "unit_id"))
        for username, role, unit_code, scope, _description in DEMO_USERS:
            user, unit = self.users[username], self.units[unit_code]
            created = (user.pk, role, unit.pk) not in existing
            if created:
                role_assign(actor=None, user=user, role=role, scope=scope, unit=unit)
            self.tallies["role assignments"].count(created)


def _later_demo_seeders():
    """The demo seeders of the accountability apps, in dependency order; each returns its summary line."""
    from archive.demo import seed_archive_demo
    from cases.demo import seed_cases_demo
    from public.demo import seed_public_demo
    from ratings.demo import seed_ratings_demo

    return [seed_cases_demo, seed_ratings_demo, seed_archive_demo, seed_public_demo]


class Command(BaseCommand):
    help = "Create the demo detachment (units, party organisations, posts, people, position history) and demo logins."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Refusing to seed demo data: DEMO_DATA_ALLOWED is off (it defaults to DEBUG). "
                "Demo logins share a published password and must never exist in production."
            )
        started = time.monotonic()
        plan = build_plan()
        with transaction.atomic():
            tallies = Seeder(plan).run()
            # Inspections, findings, notices and items on top of the organisation (once).
            rectification = seed_rectification_demo()
            # Two months of business records with anomalies for the risk engine (once; the import is fast).
            call_command(
                "seed_business_records", "--months", "2", "--records", "2500", "--if-empty", stdout=self.stdout
            )
            # Their assessment, the breakers they trip, example verifications and the quarterly lists.
            risk = seed_risk_demo()
            # Integrity cases with liability records, the rating round and the archive (each once).
            later = [seed() for seed in _later_demo_seeders()]
            # The dashboard's rollups of everything above (idempotent), so its charts show at once.
            call_command("refresh_rollups", stdout=self.stdout)
        elapsed = time.monotonic() - started

        self.stdout.write(f"{'':<22}{'created':>8}{'existing':>10}")
        for name, tally in tallies.items():
            self.stdout.write(f"{name:<22}{tally.created:>8}{tally.existing:>10}")
        self.stdout.write(summary_line(rectification))
        self.stdout.write(risk_summary_line(risk))
        for line in later:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {elapsed:.1f} s."))
        self.stdout.write("")
        self.stdout.write("Demo logins:")
        self.stdout.write(f"  {'username':<16} {'password':<16} description")
        for username, _role, _unit, _scope, description in DEMO_USERS:
            self.stdout.write(f"  {username:<16} {DEMO_PASSWORD:<16} {description}")
