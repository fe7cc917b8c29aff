from django.contrib import admin
from django.urls import include, path

from kaifang.config.api import api

admin.autodiscover()  # here rather than at start-up: see kaifang.core.adminconfig

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("kaifang.accounts.urls")),
    path("", include("kaifang.catalog.urls")),
    path("", include("kaifang.datastore.urls")),
    path("", include("kaifang.organizations.urls")),
    path("", include("kaifang.interop.urls")),
    path("", include("kaifang.interop.catalog_xlsx.urls")),
    path("", include("kaifang.web.urls")),
]
