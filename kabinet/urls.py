from django.contrib import admin
from django.urls import include, path

from kabinet.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("kabinet.api.urls")),
    path("panel/", include("kabinet.panel.urls")),
    path("admin/", admin.site.urls),
    path("", include("kabinet.portal.urls")),
]
