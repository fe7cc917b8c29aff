"""The CKAN Action API's addresses: CKAN serves every action both under `/api/3/action/` and
under `/api/action/` (which `ckanapi` calls). Included by interop/urls.py."""

from django.urls import path

from kaifang.interop.ckan import views

urlpatterns = [
    path("api/3/action/<str:name>", views.action, name="ckan-action"),
    path("api/action/<str:name>", views.action, name="ckan-action-unversioned"),
]
