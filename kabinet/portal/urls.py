from django.urls import path

from kabinet.portal.views import accounts, auth, readings, registration, statement

app_name = "portal"
urlpatterns = [
    path("", accounts.dashboard_view, name="dashboard"),
    path("login/", auth.login_view, name="login"),
    path("login/address/", auth.login_address_view, name="login_address"),
    path("login/address/streets/", auth.address_streets_view, name="address_streets"),
    path("logout/", auth.logout_view, name="logout"),
    path("password-reset/", auth.password_reset_view, name="password_reset"),
    path("password-reset/confirm/", auth.password_reset_confirm_view, name="password_reset_confirm"),
    path("register/", registration.register_view, name="register"),
    path("register/confirm/", registration.register_confirm_view, name="register_confirm"),
    path("register/resend/", registration.register_resend_view, name="register_resend"),
    path("register/password/", registration.register_password_view, name="register_password"),
    path("accounts/link/", accounts.account_link_view, name="account_link"),
    path("accounts/<int:pk>/", accounts.account_detail_view, name="account_detail"),
    path("accounts/<int:pk>/access/", accounts.account_grant_view, name="account_grant"),
    path("accounts/<int:pk>/access/<int:link_id>/revoke/", accounts.account_revoke_view, name="account_revoke"),
    path("accounts/<int:pk>/unlink/", accounts.account_unlink_view, name="account_unlink"),
    path("accounts/<int:pk>/statement/", statement.account_statement_view, name="account_statement"),
    path("penalty-calculator/", statement.penalty_calculator_view, name="penalty_calculator"),
    path("readings/", readings.readings_view, name="readings"),
    path("readings/confirm/", readings.readings_confirm_view, name="readings_confirm"),
    path("readings/<int:meter_id>/", readings.readings_view, name="meter_readings"),
    path("readings/<int:meter_id>/history/", readings.reading_history_view, name="reading_history"),
]
