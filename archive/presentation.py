"""An archive's data as sections of labelled columns and rows: one definition for the page, the .xlsx
and the .docx, so the three always show the same thing.

The data holds codes (severity "grave", status "closed"); the labels are the models' own choice
labels, in the active language (the exports switch to Chinese, the language of the paper file).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from accounts.models import Person, Unit
from archive.services import FINDING_NOT_HANDED_OVER, PERSON, UNIT


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    format: Callable[[object, dict], object] | None = None
    wide: bool = False


@dataclass
class Section:
    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    totals: list[tuple[str, int]] = field(default_factory=list)


def _choices(choices) -> Callable[[object, dict], object]:
    labels = dict(choices)
    return lambda value, row: labels.get(value, value) if value not in (None, "") else None


def _yes_no(value, row):
    if value is None:
        return None
    return _("yes") if value else _("no")


def _on_time(value, row):
    if value is None:
        return None
    return _("On time") if value else _("Late")


def _joined(value, row):
    return "、".join(str(part) for part in value) if value else None


def _finding_status(value, row):
    from rectification.models import RectificationNotice

    if value == FINDING_NOT_HANDED_OVER:
        return _("Not handed over")
    return dict(RectificationNotice.Status.choices).get(value, value)


def _item_status(value, row):
    from rectification.models import RectificationItem

    if value == RectificationItem.Status.CLOSED and row.get("closure") == RectificationItem.Closure.UNRECTIFIABLE:
        return RectificationItem.Closure.UNRECTIFIABLE.label
    return dict(RectificationItem.Status.choices).get(value, value)


def _item_number(value, row):
    return f"{row.get('notice_number') or ''} #{row.get('sequence')}"


def _person_with_badge(value, row):
    badge = row.get("badge_number")
    return f"{value}（{badge}）" if value and badge else value


def _columns(kind: str) -> dict[str, list[Column]]:
    from cases.models import (
        AccountabilityAction,
        Case,
        CaseCategory,
        CasePerson,
        CaseSeverity,
        Liability,
        LiabilityLevel,
    )
    from ratings.models import Grade
    from rectification.models import RectificationNotice
    from risk.models import Alert, CircuitBreak
    from supervision.models import Finding, Severity

    notice_status = _choices(RectificationNotice.Status.choices)
    columns = {
        "findings": [
            Column("found_on", _("Found on")),
            *([Column("unit", _("Unit"))] if kind == PERSON else []),
            Column("category_name", _("Category")),
            Column("severity", _("Severity"), _choices(Severity.choices)),
            Column("source", _("Source"), _choices(Finding.Source.choices)),
            Column("description", _("Description"), wide=True),
            *([Column("persons", _("Persons involved"), _joined)] if kind == UNIT else []),
            Column("status", _("Status"), _finding_status),
            Column("notices", _("Notice"), _joined),
        ],
        "notices": [
            Column("number", _("Document number")),
            Column("title", _("Title"), wide=True),
            Column("issued_on", _("Issued on")),
            Column("deadline", _("Deadline")),
            Column("status", _("Status"), notice_status),
            Column("closed_on", _("Closed on")),
            Column("item_count", _("Items")),
        ],
        "items": [
            Column("sequence", _("Number"), _item_number),
            Column("problem", _("Problem"), wide=True),
            Column("responsible_person", _("Responsible person")),
            Column("deadline", _("Deadline")),
            Column("status", _("Status"), _item_status),
            Column("closed_on", _("Closed on")),
            Column("on_time", _("On time?"), _on_time),
        ],
        "alerts": [
            Column("month", _("Month")),
            *([Column("person", _("Person"), _person_with_badge)] if kind == UNIT else []),
            Column("grade", _("Grade"), _choices(Alert.Grade.choices)),
            Column("index", _("Risk index")),
            Column("status", _("Status"), _choices(Alert.Status.choices)),
        ],
        "circuit_breaks": [
            Column("tripped_at", _("Tripped at")),
            Column("scope_kind", _("Scope"), _choices(CircuitBreak.ScopeKind.choices)),
            Column("scope_key", _("Account / device / user")),
            Column("model_name", _("Model")),
            Column("unit", _("Unit")),
            Column("status", _("Status"), _choices(CircuitBreak.Status.choices)),
            Column("restored_at", _("Restored at")),
        ],
        "risk_lists": [
            Column("quarter", _("Quarter")),
            Column("notice_number", _("Document number")),
            Column("entry_count", _("Entries")),
            Column("deadline", _("Deadline")),
            Column("status", _("Status"), notice_status),
        ],
        "cases": [
            Column("number", _("Case number")),
            *([Column("unit", _("Unit"))] if kind == PERSON else []),
            Column("category", _("Category"), _choices(CaseCategory.choices)),
            Column("severity", _("Severity"), _choices(CaseSeverity.choices)),
            Column("status", _("Status"), _choices(Case.Status.choices)),
            Column("misconduct_date", _("Date of the misconduct")),
            Column("opened_on", _("Opened on")),
            Column("concluded_on", _("Concluded on")),
            Column("closed_on", _("Closed on")),
            Column("integrity_problem_confirmed", _("Integrity problem confirmed"), _yes_no),
            *(
                [
                    Column("responsibility", _("Responsibility"), _choices(CasePerson.Responsibility.choices)),
                    Column("action", _("Accountability action"), _choices(AccountabilityAction.choices)),
                ]
                if kind == PERSON
                else [Column("person_count", _("Persons concerned"))]
            ),
        ],
        "liabilities": [
            Column("case_number", _("Case number")),
            *([Column("person", _("Person"), _person_with_badge)] if kind == UNIT else []),
            Column("level", _("Level"), _choices(LiabilityLevel.choices)),
            Column("consequence", _("Consequence"), wide=True),
            Column("action", _("Accountability action"), _choices(AccountabilityAction.choices)),
            Column("start_date", _("Start date")),
            Column("end_date", _("End date")),
            Column("status", _("Status"), _choices(Liability.Status.choices)),
            Column("ended_on", _("Ended on")),
        ],
        "ratings": [
            Column("year", _("Year")),
            Column("score", _("Score")),
            Column("rank", _("Ranking")),
            Column("grade", _("Rating grade"), _choices(Grade.choices)),
            Column("vetoed", _("Vetoed (一票否决)"), _yes_no),
            Column("published_on", _("Published on")),
        ],
    }
    return columns


SECTION_TITLES = {
    "findings": _("Findings"),
    "notices": _("Rectification notices"),
    "items": _("Rectification items"),
    "alerts": _("Risk alerts"),
    "circuit_breaks": _("Circuit breaks"),
    "risk_lists": _("Quarterly risk-alert lists"),
    "cases": _("Integrity cases"),
    "liabilities": _("Liability records"),
    "ratings": _("Double Clean rating"),
}


def _total_labels() -> dict[str, str]:
    from risk.models import Alert
    from supervision.models import Severity

    return {
        "count": _("Total"),
        "general": Severity.GENERAL.label,
        "serious": Severity.SERIOUS.label,
        "grave": Severity.GRAVE.label,
        "confirmed": _("Confirmed"),
        "red": Alert.Grade.RED.label,
        "orange": Alert.Grade.ORANGE.label,
        "in_force": _("In force"),
        "integrity_problem_confirmed": _("Integrity problem confirmed"),
        "closed": _("Closed"),
        "on_time": _("On time"),
        "late": _("Late"),
    }


def archive_sections(data: dict) -> list[Section]:
    """The archive's sections in order, each with its columns, display rows and totals. A column the
    reader may not see (data cut by archive.selectors.archive_data_for_reader) is left out."""
    from archive.selectors import CASE_FACT_FIELDS, CASES_EXISTENCE
    from archive.services import SECTIONS

    kind = data.get("kind", UNIT)
    columns = _columns(kind)
    if data.get("visibility", {}).get("cases") == CASES_EXISTENCE:
        columns["cases"] = [column for column in columns["cases"] if column.key not in CASE_FACT_FIELDS]
    labels = _total_labels()
    sections = []
    for key in SECTIONS[kind]:
        section = Section(key=key, title=str(SECTION_TITLES[key]), columns=columns[key])
        for row in data.get("sections", {}).get(key, []):
            section.rows.append(
                [
                    column.format(row.get(column.key), row) if column.format else row.get(column.key)
                    for column in columns[key]
                ]
            )
        section.totals = [
            (str(labels.get(name, name)), value) for name, value in data.get("totals", {}).get(key, {}).items()
        ]
        sections.append(section)
    return sections


def visibility_notes(data: dict) -> list:
    """What the reader does not see of this archive, in words (empty when they see it all)."""
    from archive.selectors import CASES_CONCLUDED, CASES_EXISTENCE, CASES_NONE

    visibility = data.get("visibility", {})
    notes = []
    if visibility.get("alerts") == "confirmed":
        notes.append(_("Only confirmed alerts are shown: alerts awaiting dual verification or dismissed are not."))
    cases = visibility.get("cases")
    if cases == CASES_EXISTENCE:
        notes.append(
            _(
                "Integrity cases: only that a case exists (number, severity, status, dates); its category and "
                "the persons concerned are for discipline inspection."
            )
        )
    elif cases == CASES_CONCLUDED:
        notes.append(_("Integrity cases are shown once concluded."))
    elif cases == CASES_NONE:
        notes.append(_("Integrity cases are not shown to your role."))
    if visibility.get("liabilities") == "none":
        notes.append(_("Liability records are not shown to your role."))
    return notes


def subject_facts(data: dict) -> list[tuple[str, object]]:
    """The subject as it was when the archive was built (name, code or badge, unit...)."""
    subject = data.get("subject", {})
    if data.get("kind") == PERSON:
        return [
            (_("Name"), subject.get("name")),
            (_("Badge number"), subject.get("badge_number")),
            (_("Unit"), subject.get("unit")),
            (_("Police category"), dict(Person.Category.choices).get(subject.get("category"), subject.get("category"))),
            (_("Rank"), dict(Person.Rank.choices).get(subject.get("rank"), subject.get("rank"))),
        ]
    return [
        (_("Unit name"), subject.get("name")),
        (_("Code"), subject.get("code")),
        (_("Kind"), dict(Unit.Kind.choices).get(subject.get("unit_kind"), subject.get("unit_kind"))),
    ]
