"""The workbench (工作台) collects to-dos from every module through registered providers.

A provider is a function `provider(user) -> WorkbenchSection | None`. Each module registers its
own in its AppConfig.ready(); the workbench itself knows no module. Rows are sorted overdue first.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date


@dataclass
class WorkbenchRow:
    title: str
    url: str
    unit_name: str = ""
    due_date: date | None = None
    days_overdue: int = 0
    due_soon: bool = False


@dataclass
class WorkbenchSection:
    key: str
    title: str
    rows: list[WorkbenchRow] = field(default_factory=list)


_providers: list[Callable] = []


def register_workbench_provider(provider: Callable) -> Callable:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def workbench_sections(user) -> list[WorkbenchSection]:
    sections = []
    for provider in _providers:
        section = provider(user)
        if section is not None:
            section.rows.sort(key=lambda row: (-row.days_overdue, not row.due_soon, row.due_date or date.max))
            sections.append(section)
    return sections
