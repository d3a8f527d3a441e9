"""/api/v1/: every app's API routes are registered here."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from portal.catalogue.api import PriceTableView
from portal.jobs.api import TaskProgressViewSet

from .views import ApiKeyViewSet, MeView

router = SimpleRouter()
router.register("api-keys", ApiKeyViewSet, basename="api-key")
router.register("tasks", TaskProgressViewSet, basename="task")

urlpatterns = [
    path("me/", MeView.as_view(), name="api_me"),
    path("price-table/", PriceTableView.as_view(), name="api_price_table"),
    *router.urls,
]
