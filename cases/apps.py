from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Integrity cases")

    def ready(self) -> None:
        from cases.workbench import WORKBENCH_PROVIDERS
        from core.workbench import register_workbench_provider

        for provider in WORKBENCH_PROVIDERS:
            register_workbench_provider(provider)
