from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "rectification"
    verbose_name = _("Rectification")

    def ready(self) -> None:
        from core.workbench import register_workbench_provider
        from rectification.workbench import PROVIDERS

        for provider in PROVIDERS:
            register_workbench_provider(provider)
