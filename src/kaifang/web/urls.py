from django.contrib.sitemaps.views import sitemap
from django.urls import path

from kaifang.web import views
from kaifang.web.feeds import NewDatasetsFeed
from kaifang.web.sitemaps import SITEMAPS

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("domains/", views.domain_list, name="domain-list"),
    path("domains/<str:code>/", views.domain_detail, name="domain-detail"),
    path("feeds/datasets.atom", NewDatasetsFeed(), name="feed-datasets"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
]
