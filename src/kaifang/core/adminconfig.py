"""The admin app with Kaifang's own site as the default one (see `kaifang.core.adminsite`).
Kept apart from the site because settings load it before any model may be imported."""

from django.contrib.admin.apps import AdminConfig


class KaifangAdminConfig(AdminConfig):
    default_site = "kaifang.core.adminsite.PlatformAdminSite"
