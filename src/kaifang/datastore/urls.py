from django.urls import path

from kaifang.datastore import downloads, views

app_name = "datastore"
urlpatterns: list = []

# The data preview (the dataset page's tables and charts, without JavaScript too).
urlpatterns += [
    path("resources/<uuid:resource_id>/preview", views.resource_preview, name="resource-preview"),
    path("resources/<uuid:resource_id>/chart", views.resource_chart, name="resource-chart"),
]

# Downloads of a table in every format (the same answers as the API's export route).
urlpatterns += [
    path(
        "resources/<uuid:resource_id>/export.<str:fmt>",
        downloads.export_view,
        name="resource-export",
    ),
]
