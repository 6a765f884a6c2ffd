from django.contrib import admin
from django.urls import include, path, re_path

from kabinet.api.views import NotFoundView
from kabinet.core.views import healthz, server_error

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("kabinet.api.urls")),
    re_path(r"^api/", NotFoundView.as_view()),  # other API versions: JSON, not an HTML page
    path("panel/", include("kabinet.panel.urls")),
    path("admin/", admin.site.urls),
    path("sms/", include("kabinet.api.sms_inbound")),  # SMS gateway webhooks (signed)
    path("", include("kabinet.payments.urls")),  # acquirer callbacks and the sandbox bank's card page
    path("", include("kabinet.portal.urls")),
]

handler500 = server_error
