import factory
from factory.django import DjangoModelFactory

from accounts.models import DataScope, Person, Position, Post, RoleAssignment, Unit, User
from accounts.services import unit_save


class UnitFactory(DjangoModelFactory):
    """Units are created through unit_save so the tree path is right."""

    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"单位{n}")
    kind = Unit.Kind.SQUAD
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return unit_save(actor=None, unit=model_class(*args, **kwargs))


class PostFactory(DjangoModelFactory):
    class Meta:
        model = Post
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Sequence(lambda n: f"岗位{n}")
    risk_level = Post.RiskLevel.MEDIUM


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("Correct-Horse-42")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    badge_number = factory.Sequence(lambda n: f"{100000 + n}")
    name = factory.Sequence(lambda n: f"民警{n}")
    unit = factory.SubFactory(UnitFactory)
    category = Person.Category.POLICE
    rank = Person.Rank.INSPECTOR_1


class PositionFactory(DjangoModelFactory):
    class Meta:
        model = Position

    person = factory.SubFactory(PersonFactory)
    unit = factory.SelfAttribute("person.unit")
    level = Position.Level.OFFICER
    title = "民警"
    start_date = factory.Faker("date_between", start_date="-5y", end_date="-1y")


class RoleAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = "supervisor"
    scope = DataScope.OWN_UNIT
    unit = factory.SubFactory(UnitFactory)
