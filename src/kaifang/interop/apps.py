from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "kaifang.interop"
    label = "interop"
    verbose_name = _("互操作")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kaifang.interop import checks  # noqa: F401  (registers the checks)
