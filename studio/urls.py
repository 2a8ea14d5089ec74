from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from studio import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("favicon.ico", views.favicon),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("brand/switch/", views.brand_switch, name="brand-switch"),
    path("team/", views.member_list, name="member-list"),
    path("team/<int:pk>/", views.member_update, name="member-update"),
    path("audit/", views.audit_log, name="audit-log"),
    path("", include("twins.urls")),
    path("", include("campaigns.urls")),
    path("api/", include("studio.api.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "studio.api.views.not_found"
handler500 = "studio.api.views.server_error"
