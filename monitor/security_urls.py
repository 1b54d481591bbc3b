"""Account security pages, mounted by monitor.urls: signing out of every device."""

from django.urls import path

from monitor import security

urlpatterns = [
    path(
        "accounts/sign-out-everywhere/",
        security.sign_out_everywhere,
        name="sign-out-everywhere",
    ),
]
