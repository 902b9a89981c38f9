from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    name = "public"
    verbose_name = _("Public progress")

    def ready(self) -> None:
        from core.workbench import register_workbench_provider
        from public.workbench import PROVIDERS

        for provider in PROVIDERS:
            register_workbench_provider(provider)
