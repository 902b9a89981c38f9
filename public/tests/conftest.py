import uuid

import pytest

from public.services import summary_publish

PROBLEMS = "一、值班期间存在玩手机游戏现象，工作纪律松弛。"
MEASURES = "一是组织全队开展纪律教育；二是落实值班巡查制度，每日检查。"


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """A fresh in-memory cache per test: the rate-limit counters of one test never reach another
    (and never a shared Redis, whatever CACHE_URL says)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"public-{uuid.uuid4()}"}
    }


@pytest.fixture
def published(issued_notice, supervisor):
    return summary_publish(
        actor=supervisor, notice=issued_notice, title="一中队工作纪律问题整改进展", problems=PROBLEMS, measures=MEASURES
    )
