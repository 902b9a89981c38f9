"""Who reads which figures. Kept apart from dashboard.figures so the menu can import it cheaply.

Figures are aggregates, but an aggregate can still say what a role may not know (a pending alert is an
unverified suspicion; case types and the persons concerned are for discipline inspection), so each
family of figures has the roles that may read it, each within that role's data scope:

- findings, rectification items, circuit breaks, business records: every role below, in its scope
  (as the lists: finding_visible_to, item_visible_to, circuit_break_visible_to, ...);
- alerts: the oversight roles of risk.selectors (and the report client) count every alert of their
  units; a unit leader counts the CONFIRMED alerts of theirs (as alert_visible_to shows them);
- cases: discipline inspectors, the committee, administrators (and the report client) read every case
  figure; unit leaders and party secretaries learn that cases exist (counts by status, severity and
  month) but not their type or the persons concerned (the rule of the case pages);
- liability records: discipline inspection, the committee, administrators, the report client and unit
  leaders (of their units);
- supervision-model precision: administrators only (risk.selectors: thresholds teach evasion);
- ratings: a published round for everyone, unpublished rounds for supervisors, the committee and
  administrators, each unit's grade only within scope.

The report client (API_CLIENT, 报表客户端) pulls the committee's reports for other systems: it reads
every report figure within its data scope, like the committee, but has no dashboard pages.
"""

from accounts.models import Role

# Pages (dashboard, big screen, statistics) and the menu group.
DASHBOARD_ROLES = (
    Role.COMMITTEE,
    Role.SUPERVISOR,
    Role.DISCIPLINE_INSPECTOR,
    Role.UNIT_LEADER,
    Role.PARTY_SECRETARY,
    Role.ADMIN,
)
# The report API: the same, plus the report client.
REPORT_ROLES = (*DASHBOARD_ROLES, Role.API_CLIENT)

ALERT_FULL_ROLES = (Role.SUPERVISOR, Role.DISCIPLINE_INSPECTOR, Role.COMMITTEE, Role.ADMIN, Role.API_CLIENT)
ALERT_CONFIRMED_ONLY_ROLES = (Role.UNIT_LEADER,)

CASE_FULL_ROLES = (Role.DISCIPLINE_INSPECTOR, Role.COMMITTEE, Role.ADMIN, Role.API_CLIENT)
CASE_COUNT_ROLES = (Role.UNIT_LEADER, Role.PARTY_SECRETARY)

LIABILITY_ROLES = (Role.DISCIPLINE_INSPECTOR, Role.COMMITTEE, Role.ADMIN, Role.API_CLIENT, Role.UNIT_LEADER)

PRECISION_ROLES = (Role.ADMIN,)

RATING_UNPUBLISHED_ROLES = (Role.SUPERVISOR, Role.COMMITTEE, Role.ADMIN)

# Who may start a refresh of the rollups from the dashboard page (the beat does it every 15 minutes).
ROLLUP_REFRESH_ROLES = (Role.ADMIN, Role.SUPERVISOR)
