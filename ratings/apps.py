from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = _("Double Clean ratings")

    def ready(self) -> None:
        from core.workbench import register_workbench_provider
        from ratings.workbench import WORKBENCH_PROVIDERS

        for provider in WORKBENCH_PROVIDERS:
            register_workbench_provider(provider)
