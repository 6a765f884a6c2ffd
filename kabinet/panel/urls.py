from django.urls import path

from kabinet.panel.views import common, meters, organizations, reading_settings, readings, staff, users

app_name = "panel"
urlpatterns = [
    path("", common.summary, name="summary"),
    path("switch/", common.switch_organization, name="switch_organization"),
    path("organization/", organizations.organization_home, name="organization"),
    path("organizations/", organizations.organization_list, name="organization_list"),
    path("organizations/new/", organizations.organization_create, name="organization_create"),
    path("organizations/<int:pk>/", organizations.organization_detail, name="organization_detail"),
    path("users/", users.user_list, name="user_list"),
    path("users/new/", users.user_create, name="user_create"),
    path("users/<int:pk>/", users.user_detail, name="user_detail"),
    path("users/<int:pk>/accounts/", users.user_attach, name="user_attach"),
    path("users/<int:pk>/accounts/<int:account_pk>/detach/", users.user_detach, name="user_detach"),
    path("users/<int:pk>/active/", users.user_set_active, name="user_set_active"),
    path("users/<int:pk>/password/", users.user_password, name="user_password"),
    path("staff/", staff.staff_list, name="staff_list"),
    path("staff/new/", staff.staff_add, name="staff_add"),
    path("staff/<int:pk>/", staff.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/active/", staff.staff_set_active, name="staff_set_active"),
    path("meters/", meters.meter_list, name="meter_list"),
    path("meters/new/", meters.meter_create, name="meter_create"),
    path("meters/<int:pk>/", meters.meter_detail, name="meter_detail"),
    path("meters/<int:pk>/edit/", meters.meter_edit, name="meter_edit"),
    path("meters/<int:pk>/replace/", meters.meter_replace, name="meter_replace"),
    path("meters/<int:pk>/retire/", meters.meter_retire, name="meter_retire"),
    path("meters/<int:pk>/seal/", meters.meter_seal, name="meter_seal"),
    path("meters/<int:pk>/reading/", meters.meter_enter_reading, name="meter_enter_reading"),
    path("readings/", readings.reading_list, name="reading_list"),
    path("readings/accept/", readings.reading_bulk_accept, name="reading_bulk_accept"),
    path("readings/<int:pk>/accept/", readings.reading_accept, name="reading_accept"),
    path("readings/<int:pk>/reject/", readings.reading_reject, name="reading_reject"),
    path("readings/export/", readings.reading_export, name="reading_export"),
    path("reading-settings/", reading_settings.reading_settings, name="reading_settings"),
    path("reading-settings/<int:pk>/", reading_settings.reading_settings_detail, name="reading_settings_detail"),
]
