from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from config.api.errors import not_found as api_not_found
from config.views import healthz

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api.urls")),
    re_path(r"^api/", api_not_found),
    path("reviews/", include("reviews.urls")),
    path("jobs/", include("jobs.urls")),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
]
