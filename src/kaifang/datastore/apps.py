from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DatastoreConfig(AppConfig):
    name = "kaifang.datastore"
    label = "datastore"
    verbose_name = _("数据存储")
    default_auto_field = "django.db.models.BigAutoField"
