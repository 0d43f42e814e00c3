from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from actions.api.views import ActionViewSet
from agenda.api.views import (
    AgreementViewSet,
    GoalViewSet,
    PartyViewSet,
    ReviewViewSet,
    ThemeViewSet,
)
from regions.api.views import RegionViewSet

app_name = "api"

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("parties", PartyViewSet, basename="party")
router.register("themes", ThemeViewSet, basename="theme")
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("actions", ActionViewSet, basename="action")
router.register("reviews", ReviewViewSet, basename="review")
router.register("goals", GoalViewSet, basename="goal")

urlpatterns = [
    *router.urls,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
