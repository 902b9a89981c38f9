from django.db import migrations

AREAS = [
    "vehicle_admin", "driver_admin", "violation_processing", "accident_handling", "nonsite_enforcement",
    "road_enforcement",
]


def create_areas(apps, schema_editor):
    BusinessArea = apps.get_model("accounts", "BusinessArea")
    for code in AREAS:
        BusinessArea.objects.get_or_create(code=code)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_areas, migrations.RunPython.noop)]
