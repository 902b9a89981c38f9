"""Organisation (units, party organisations, posts, persons, position history) and access (users,
roles with data scope, API tokens).

The unit tree is stored with a materialised path (`/1/5/23/`): "this unit and everything below it"
is one indexed `LIKE 'path%'` condition, so data scope stays a single SQL subquery.
"""

from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class User(AbstractUser):
    """A login. Who the login belongs to in the organisation is `Person.user`."""

    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_demo = models.BooleanField(_("demo account"), default=False, editable=False)

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        person = getattr(self, "person", None)
        return f"{person.name} ({self.username})" if person else self.username


class PartyOrganization(models.Model):
    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("Party committee")
        GENERAL_BRANCH = "general_branch", _("General party branch")
        BRANCH = "branch", _("Party branch")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    unit = models.ForeignKey(
        "Unit",
        verbose_name=_("attached to unit"),
        on_delete=models.PROTECT,
        related_name="party_organizations_attached",
    )
    secretary = models.ForeignKey(
        "Person",
        verbose_name=_("secretary"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_organizations_led",
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")
        ordering = ["unit__path", "name"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    class Kind(models.TextChoices):
        DETACHMENT = "detachment", _("Detachment")
        BRIGADE = "brigade", _("Brigade")
        SQUAD = "squad", _("Squad")
        WINDOW = "window", _("Service window")
        DEPARTMENT = "department", _("Department")

    # Second-level units (二层单位) receive quarterly risk lists and own their squads and windows.
    SECOND_LEVEL_KINDS = (Kind.BRIGADE, Kind.DEPARTMENT)

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Maintained only by accounts.services.unit_create / unit_update.
    path = models.CharField(_("tree path"), max_length=255, editable=False, default="", db_index=True)
    party_organization = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("party organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="units",
        help_text=_("The party organisation this unit answers to."),
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit, this unit included."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    @property
    def is_second_level(self) -> bool:
        return self.kind in self.SECOND_LEVEL_KINDS


class BusinessArea(models.Model):
    """One of the six business areas; its lead department receives the business side of a handover."""

    class Code(models.TextChoices):
        VEHICLE_ADMIN = "vehicle_admin", _("Vehicle administration")
        DRIVER_ADMIN = "driver_admin", _("Driver administration")
        VIOLATION_PROCESSING = "violation_processing", _("Violation processing")
        ACCIDENT_HANDLING = "accident_handling", _("Accident handling")
        NONSITE_ENFORCEMENT = "nonsite_enforcement", _("Non-site enforcement")
        ROAD_ENFORCEMENT = "road_enforcement", _("On-road enforcement")

    code = models.CharField(_("code"), max_length=32, choices=Code.choices, unique=True)
    lead_department = models.ForeignKey(
        Unit,
        verbose_name=_("business lead department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_business_areas",
        limit_choices_to={"kind": Unit.Kind.DEPARTMENT},
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("business area")
        verbose_name_plural = _("business areas")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.Code(self.code).label)


class Post(models.Model):
    class RiskLevel(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW)
    business_area = models.ForeignKey(
        BusinessArea, verbose_name=_("business area"), null=True, blank=True, on_delete=models.PROTECT
    )
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    class Category(models.TextChoices):
        POLICE = "police", _("Police officer")
        AUXILIARY = "auxiliary", _("Auxiliary officer")

    class Rank(models.TextChoices):
        COMMISSIONER_3 = "commissioner_3", _("Third-class commissioner")
        SUPERINTENDENT_1 = "superintendent_1", _("First-class superintendent")
        SUPERINTENDENT_2 = "superintendent_2", _("Second-class superintendent")
        SUPERINTENDENT_3 = "superintendent_3", _("Third-class superintendent")
        INSPECTOR_1 = "inspector_1", _("First-class inspector")
        INSPECTOR_2 = "inspector_2", _("Second-class inspector")
        INSPECTOR_3 = "inspector_3", _("Third-class inspector")
        CONSTABLE_1 = "constable_1", _("First-class constable")
        CONSTABLE_2 = "constable_2", _("Second-class constable")
        NONE = "none", _("No rank")

    badge_number = models.CharField(_("badge number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50, db_index=True)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="persons")
    category = models.CharField(_("police category"), max_length=20, choices=Category.choices, default=Category.POLICE)
    rank = models.CharField(_("rank"), max_length=20, choices=Rank.choices, default=Rank.NONE)
    post = models.ForeignKey(
        Post, verbose_name=_("post"), null=True, blank=True, on_delete=models.PROTECT, related_name="persons"
    )
    is_party_member = models.BooleanField(_("party member"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    is_active = models.BooleanField(_("in service"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["unit__path", "badge_number"]
        indexes = [models.Index(fields=["unit", "category"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.badge_number}）"


class PositionQuerySet(models.QuerySet):
    def held_on(self, on_date: date) -> "PositionQuerySet":
        """Positions held on `on_date`; both start and end dates are days on which it is held."""
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=on_date), start_date__lte=on_date)


class Position(models.Model):
    """One stretch of a person holding a position level in a unit (position history)."""

    class Level(models.TextChoices):
        CHIEF = "chief", _("Chief (principal leader)")
        TEAM_MEMBER = "team_member", _("Leadership team member")
        MID_LEVEL = "mid_level", _("Mid-level backbone")
        OFFICER = "officer", _("Officer")

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="positions")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="positions")
    level = models.CharField(_("position level"), max_length=20, choices=Level.choices, db_index=True)
    title = models.CharField(_("title"), max_length=50, blank=True, help_text=_("e.g. brigade commander, squad leader"))
    in_charge_of = models.ManyToManyField(
        Unit,
        verbose_name=_("units in charge of"),
        blank=True,
        related_name="positions_in_charge",
        help_text=_("For team members and mid-level backbones: the units they are in charge of (分管)."),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True, help_text=_("Last day held; empty while held."))

    objects = PositionQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[in_charge_of])

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("position history")
        ordering = ["-start_date", "id"]
        indexes = [models.Index(fields=["unit", "level", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="position_end_not_before_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.unit.name} · {self.get_level_display()}"


class Role(models.TextChoices):
    SUPERVISOR = "supervisor", _("Supervisor")
    DISCIPLINE_INSPECTOR = "discipline_inspector", _("Discipline inspector")
    UNIT_LEADER = "unit_leader", _("Unit leader")
    PARTY_SECRETARY = "party_secretary", _("Party secretary")
    COMMITTEE = "committee", _("Party committee")
    ADMIN = "admin", _("System administrator")
    API_CLIENT = "api_client", _("API client")


class DataScope(models.TextChoices):
    OWN_UNIT = "own_unit", _("Own unit")
    UNIT_AND_BELOW = "unit_and_below", _("Own unit and below")
    ALL = "all", _("All units")


class RoleAssignment(models.Model):
    """A role held by a user, with the data scope it grants, anchored at a unit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    scope = models.CharField(_("data scope"), max_length=20, choices=DataScope.choices, default=DataScope.OWN_UNIT)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="role_assignments")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [models.UniqueConstraint(fields=["user", "role", "unit"], name="role_assignment_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit} · {self.get_scope_display()}"


class ApiToken(models.Model):
    """A bearer token for REST clients. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("key prefix"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.prefix}…"


class LoginEvent(models.Model):
    """The login log (登录日志): successes, failures, lockouts and logouts."""

    class Kind(models.TextChoices):
        SUCCESS = "success", _("Login succeeded")
        FAILURE = "failure", _("Login failed")
        LOCKOUT = "lockout", _("Locked out")
        LOGOUT = "logout", _("Logged out")
        TIMEOUT = "timeout", _("Session timed out")
        TOKEN = "token", _("API token issued")

    occurred_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    username = models.CharField(_("username"), max_length=150, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("login event")
        verbose_name_plural = _("login log")
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.username} {self.get_kind_display()}"
