from django.urls import path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from actions.api.views import ActionViewSet
from actions.models import Action
from agenda.api.views import (
    AgreementViewSet,
    GoalViewSet,
    PartyViewSet,
    ReviewViewSet,
    ThemeViewSet,
)
from agenda.models import Agreement, Goal, Party, Review, Theme
from config.api.changes import ChangeFeed, ChangesView
from config.api.root import APIRootView, IntegrationGuideView, SchemaView
from regions.api.views import RegionViewSet
from regions.models import Region

app_name = "api"

router = DefaultRouter()
router.APIRootView = APIRootView
router.register("regions", RegionViewSet, basename="region")
router.register("parties", PartyViewSet, basename="party")
router.register("themes", ThemeViewSet, basename="theme")
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("actions", ActionViewSet, basename="action")
router.register("reviews", ReviewViewSet, basename="review")
router.register("goals", GoalViewSet, basename="goal")

# The sync feed covers every public resource, keyed as the API keys it.
FEED = ChangeFeed(
    [
        ("region", Region, "code"),
        ("party", Party, "code"),
        ("theme", Theme, "code"),
        ("agreement", Agreement, "code"),
        ("action", Action, "id"),
        ("review", Review, "id"),
        ("goal", Goal, "code"),
    ]
)

urlpatterns = [
    *router.urls,
    path("changes/", ChangesView.as_view(feed=FEED), name="changes"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("guide/", IntegrationGuideView.as_view(), name="guide"),
]
