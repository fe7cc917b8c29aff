"""The admin app with Kaifang's own site as the default one (see `kaifang.core.adminsite`).
Kept apart from the site because settings load it before any model may be imported.

The apps' admin modules are not imported when Django starts (SimpleAdminConfig) but with the
URLs (`kaifang.config.urls` calls autodiscover): they import forms and services every command
line and worker start would otherwise load for nothing — about half a second of each
`kaifang ingest`."""

from django.contrib.admin.apps import SimpleAdminConfig


class KaifangAdminConfig(SimpleAdminConfig):
    default_site = "kaifang.core.adminsite.PlatformAdminSite"
