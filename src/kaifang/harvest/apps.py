from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HarvestConfig(AppConfig):
    name = "kaifang.harvest"
    label = "harvest"
    verbose_name = _("数据采集")
    default_auto_field = "django.db.models.BigAutoField"
