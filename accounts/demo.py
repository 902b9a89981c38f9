"""The demo accounts created by `manage.py seed_demo` (never in production: DEMO_DATA_ALLOWED)."""

DEMO_PASSWORD = "Demo-Pass-2026"  # noqa: S105 (public demo password; demo data never loads in production)

# username, role, unit code, data scope, description (Chinese, for the start-up banner)
DEMO_USERS = [
    ("admin", "admin", "ZD", "all", "系统管理员"),
    ("supervisor", "supervisor", "ZD-JCS", "all", "监督员（监察室）"),
    ("centre", "supervisor", "ZD-JGZX", "all", "监督员（监管中心）"),
    ("inspector", "discipline_inspector", "ZD-JW", "all", "纪检监察（纪委）"),
    ("committee", "committee", "ZD", "all", "支队党委（只读）"),
    ("brigade_leader", "unit_leader", "DD01", "unit_and_below", "一大队大队长（本单位及下级）"),
    ("squad_leader", "unit_leader", "DD01-ZD01", "own_unit", "一大队一中队中队长（本单位）"),
    ("squad_leader2", "unit_leader", "DD02-ZD01", "own_unit", "二大队一中队中队长（本单位，用于验证数据隔离）"),
    ("party_secretary", "party_secretary", "DD01", "unit_and_below", "一大队党总支书记"),
    ("biz_lead", "unit_leader", "ZD-CG", "own_unit", "车管科负责人（业务牵头部门）"),
    ("api_client", "api_client", "ZD", "all", "报表客户端（API）"),
]
