from django.urls import path

from apps.practice import api

urlpatterns = [
    path("enrolment/redeem/", api.RedeemView.as_view(), name="enrolment-redeem"),
]
