from django.db import migrations

RULES = {"general": 15, "serious": 10, "grave": 5}
# level, days overdue, who is told
LADDER = [
    (1, 1, "unit_leader"),
    (2, 3, "superior_unit"),
    (3, 5, "supervision_and_party"),
    (4, 10, "committee"),
]


def create_defaults(apps, schema_editor):
    DeadlineRule = apps.get_model("rectification", "DeadlineRule")
    EscalationStep = apps.get_model("rectification", "EscalationStep")
    for severity, days in RULES.items():
        DeadlineRule.objects.get_or_create(severity=severity, defaults={"working_days": days})
    for level, days, target in LADDER:
        EscalationStep.objects.get_or_create(level=level, defaults={"days_overdue": days, "target": target})


class Migration(migrations.Migration):
    dependencies = [("rectification", "0002_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
