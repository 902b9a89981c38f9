from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from audit.workbench import broken_audit_chain
        from core.workbench import register_workbench_provider

        register_workbench_provider(broken_audit_chain)
