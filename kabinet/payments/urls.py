from django.urls import path

from kabinet.payments import views

app_name = "payments"
urlpatterns = [
    path("payments/callback/<slug:acquirer>/", views.callback_view, name="callback"),
    path("sandbox-acquirer/pay/<str:token>/", views.sandbox_pay_view, name="sandbox_pay"),
]
