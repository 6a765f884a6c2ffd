from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from kabinet.api import billing_views, bills_views, metering_views, payments_views, views

app_name = "api"
urlpatterns = [
    path("", views.ApiRootView.as_view(), name="root"),
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("me/", views.MeView.as_view(), name="me"),
    path("accounts/", views.AccountListView.as_view(), name="account-list"),
    path("accounts/<int:pk>/", views.AccountDetailView.as_view(), name="account-detail"),
    path("accounts/<int:pk>/statement/", billing_views.AccountStatementView.as_view(), name="account-statement"),
    path("bills/", bills_views.BillListView.as_view(), name="bill-list"),
    path("bills/<str:pk>/", bills_views.BillDetailView.as_view(), name="bill-detail"),
    path("bills/<str:pk>/pdf", bills_views.BillPdfView.as_view(), name="bill-pdf"),
    path("reports/turnover/", billing_views.TurnoverView.as_view(), name="report-turnover"),
    path("payments/", payments_views.PaymentListView.as_view(), name="payment-list"),
    path("payments/registry/", payments_views.PaymentRegistryView.as_view(), name="payment-registry"),
    path("payments/<uuid:uuid>/", payments_views.PaymentDetailView.as_view(), name="payment-detail"),
    path("meters/", metering_views.MeterListView.as_view(), name="meter-list"),
    path("meters/<int:pk>/", metering_views.MeterDetailView.as_view(), name="meter-detail"),
    path("readings/", metering_views.ReadingListView.as_view(), name="reading-list"),
    path("readings/<int:pk>/accept/", metering_views.ReadingAcceptView.as_view(), name="reading-accept"),
    path("readings/<int:pk>/reject/", metering_views.ReadingRejectView.as_view(), name="reading-reject"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    # Last: anything else under /api/v1/ is a JSON 404, not an HTML page.
    re_path(r"^.*$", views.NotFoundView.as_view(), name="not-found"),
]
