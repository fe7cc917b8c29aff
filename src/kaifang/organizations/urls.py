from django.urls import path

from kaifang.organizations import views

app_name = "organizations"
urlpatterns = [
    path("departments/", views.department_list, name="department-list"),
    path("departments/<str:name>/", views.department_detail, name="department-detail"),
]
