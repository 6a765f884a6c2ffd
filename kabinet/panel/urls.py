from django.urls import path

from kabinet.panel.views import common, organizations, staff, users

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
]
