from django.urls import path

from chizai.accounts import views

app_name = "accounts"

urlpatterns = [
    path("account/", views.account_home, name="account"),
    path("members/", views.member_index, name="member_index"),
    path("members/<slug:code>/", views.member_list, name="member_list"),
    path("members/<slug:code>/<int:pk>/active/", views.member_active, name="member_active"),
    path("members/<slug:code>/<int:pk>/resend/", views.member_resend, name="member_resend"),
    path("invite/<str:uidb64>/<str:token>/", views.accept_invite, name="accept_invite"),
]
