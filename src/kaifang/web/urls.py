from django.contrib.sitemaps.views import sitemap
from django.urls import path

from kaifang.web import feeds, views
from kaifang.web.sitemaps import SITEMAPS

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("domains/", views.domain_list, name="domain-list"),
    path("domains/<str:code>/", views.domain_detail, name="domain-detail"),
    path("feeds/datasets.atom", feeds.NewDatasetsFeed(), name="feed-datasets"),
    path("feeds/datasets.rss", feeds.NewDatasetsRssFeed(), name="feed-datasets-rss"),
    path("feeds/domains/<str:code>.atom", feeds.DomainFeed(), name="feed-domain"),
    path("feeds/domains/<str:code>.rss", feeds.DomainRssFeed(), name="feed-domain-rss"),
    path("feeds/departments/<str:name>.atom", feeds.DepartmentFeed(), name="feed-department"),
    path("feeds/departments/<str:name>.rss", feeds.DepartmentRssFeed(), name="feed-department-rss"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
]
