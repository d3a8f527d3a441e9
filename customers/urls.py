from django.urls import path

from . import views

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="customers_home"),
    path("new/", views.CustomerCreateView.as_view(), name="customer_new"),
    path("<int:pk>/", views.CustomerDetailView.as_view(), name="customer"),
    path("<int:pk>/authorizations/new/", views.PACreateView.as_view(), name="pa_new"),
    path("authorizations/<int:pk>/<str:action>/", views.PAActionView.as_view(), name="pa_action"),
]
