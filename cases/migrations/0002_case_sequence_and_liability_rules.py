"""The case-number sequence, and the three joint-liability rules of seed 000.

Seed 000 (常德交警 "1+2+6"): "工作中出现廉政问题，取消晋职晋级评优评先资格。且有'一把手'连带、班子成员连带、
分管科所队室骨干和中层骨干连带、民警连带的4级连带责任追究问责". The article names the four levels and the
disqualification, not the grading per severity, so the values below are the platform's defaults, for an
administrator to adjust in the admin:

- the directly responsible lose promotion and award eligibility for 6 / 12 / 24 months (minor / serious /
  grave);
- the chain is implicated the more widely the graver the case, and the nearer a level is to the
  misconduct the heavier its consequence: a minor case stops at the mid-level in charge and the officers
  jointly responsible (reminder talks); a serious one reaches the team member in charge and the unit chief
  (an interview of the chief); a grave one implicates all four levels with disqualification.

Existing rules are never overwritten (get_or_create by severity).
"""

from django.db import migrations, models

# severity: (direct consequence, direct months, {level: (consequence, action, months)})
RULES = {
    "minor": (
        "取消晋职晋级评优评先资格6个月",
        6,
        {
            "mid_level": ("分管科所队室负责人提醒谈话", "reminder_talk", 0),
            "officer": ("连带民警提醒谈话", "reminder_talk", 0),
        },
    ),
    "serious": (
        "取消晋职晋级评优评先资格12个月",
        12,
        {
            "chief": ("约谈单位一把手", "interview", 0),
            "team_member": ("诫勉谈话，取消评优评先资格3个月", "admonishment", 3),
            "mid_level": ("诫勉谈话，取消晋职晋级评优评先资格6个月", "admonishment", 6),
            "officer": ("责令检查，取消评优评先资格3个月", "self_examination", 3),
        },
    ),
    "grave": (
        "取消晋职晋级评优评先资格24个月",
        24,
        {
            "chief": ("诫勉谈话，取消晋职晋级评优评先资格6个月", "admonishment", 6),
            "team_member": ("诫勉谈话，取消晋职晋级评优评先资格12个月", "admonishment", 12),
            "mid_level": ("通报批评，取消晋职晋级评优评先资格12个月", "criticism", 12),
            "officer": ("通报批评，取消晋职晋级评优评先资格6个月", "criticism", 6),
        },
    ),
}


def seed_rules(apps, schema_editor):
    LiabilityRule = apps.get_model("cases", "LiabilityRule")
    LiabilityRuleLevel = apps.get_model("cases", "LiabilityRuleLevel")
    for severity, (consequence, months, levels) in RULES.items():
        rule, created = LiabilityRule.objects.get_or_create(
            severity=severity,
            defaults={"direct_consequence": consequence, "direct_disqualification_months": months, "is_active": True},
        )
        if not created:
            continue
        LiabilityRuleLevel.objects.bulk_create(
            LiabilityRuleLevel(
                rule=rule, level=level, consequence=level_consequence, action=action, disqualification_months=n
            )
            for level, (level_consequence, action, n) in levels.items()
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseSequence",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("year", models.PositiveSmallIntegerField(unique=True, verbose_name="year")),
                ("last_number", models.PositiveIntegerField(default=0, verbose_name="last number")),
            ],
            options={
                "verbose_name": "case number sequence",
                "verbose_name_plural": "case number sequences",
            },
        ),
        migrations.RunPython(seed_rules, migrations.RunPython.noop),
    ]
