"""On PostgreSQL, a statement run often on one connection is prepared (config/settings.py,
DB_PREPARE_THRESHOLD), and prepared it reads what it read before."""

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import Unit

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_query_run_more_often_than_the_threshold_is_prepared_and_reads_the_same(org):
    threshold = settings.DATABASES["default"].get("OPTIONS", {}).get("prepare_threshold")
    if not threshold:
        pytest.skip("prepared statements are turned off (DB_PREPARE_THRESHOLD=0)")
    wanted = sorted(Unit.objects.filter(path__startswith=org.a.path).values_list("code", flat=True))

    seen = [
        sorted(Unit.objects.filter(path__startswith=org.a.path).values_list("code", flat=True))
        for _ in range(threshold + 2)
    ]

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ['%FROM "accounts_unit"%LIKE%']
        )
        prepared = cursor.fetchone()[0]
    assert prepared >= 1
    assert seen == [wanted] * (threshold + 2)
    assert len(wanted) == 3  # brigade A and its two squadrons
