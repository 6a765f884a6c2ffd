from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from kabinet.api import views

app_name = "api"
urlpatterns = [
    path("", views.ApiRootView.as_view(), name="root"),
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("me/", views.MeView.as_view(), name="me"),
    path("accounts/", views.AccountListView.as_view(), name="account-list"),
    path("accounts/<int:pk>/", views.AccountDetailView.as_view(), name="account-detail"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    # Last: anything else under /api/v1/ is a JSON 404, not an HTML page.
    re_path(r"^.*$", views.NotFoundView.as_view(), name="not-found"),
]
