from django.db import migrations

# code, name, default business area (None: chosen per finding)
CATEGORIES = [
    ("appearance", "警容风纪", None),
    ("work_discipline", "工作纪律", None),
    ("enforcement", "执法规范", "road_enforcement"),
    ("irregular_business", "违规办理业务", "vehicle_admin"),
    ("illegal_intermediary", "非法中介", "vehicle_admin"),
    ("integrity", "廉政", None),
    ("service_attitude", "服务态度", None),
]


def create_categories(apps, schema_editor):
    Category = apps.get_model("supervision", "FindingCategory")
    BusinessArea = apps.get_model("accounts", "BusinessArea")
    areas = {area.code: area for area in BusinessArea.objects.all()}
    for order, (code, name, area) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": order, "default_business_area": areas.get(area)}
        )


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial"), ("accounts", "0002_business_areas")]

    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
