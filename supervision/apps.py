from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from core.workbench import register_workbench_provider
        from supervision.workbench import clues_to_dispose

        register_workbench_provider(clues_to_dispose)
