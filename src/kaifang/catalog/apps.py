from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "kaifang.catalog"
    label = "catalog"
    verbose_name = _("数据目录")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kaifang.catalog import checks  # noqa: F401  (registers the checks)
