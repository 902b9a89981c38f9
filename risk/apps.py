from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Risk engine")

    def ready(self) -> None:
        from core.workbench import register_workbench_provider
        from risk import list_tasks  # noqa: F401  (Celery's autodiscovery imports only risk.tasks)
        from risk.alerts import WORKBENCH_PROVIDERS

        for provider in WORKBENCH_PROVIDERS:
            register_workbench_provider(provider)
