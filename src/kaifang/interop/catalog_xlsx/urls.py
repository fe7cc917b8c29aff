from django.urls import path

from kaifang.interop.catalog_xlsx import views

app_name = "catalog_xlsx"
urlpatterns = [
    path("workspace/catalog/", views.catalog_page, name="page"),
    path("workspace/catalog/export", views.catalog_export, name="export"),
    path("workspace/catalog/import", views.catalog_import, name="import"),
    path("workspace/catalog/import/confirm", views.catalog_import_confirm, name="confirm"),
]
