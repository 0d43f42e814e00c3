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
from agenda.models import Agreement, Theme
from config.api.changes import ChangeFeed, ChangesView
from config.api.root import APIRootView, IntegrationGuideView, SchemaView
from regions.api.views import RegionViewSet

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

# The sync feed covers every public resource, keyed as the API keys it; what each record
# shows of others comes from its serializer (config/api/feedlog.py), and `extra` names what a
# method field shows: an action's `theme` is its agreement's theme's code.
FEED = ChangeFeed.of_viewsets(
    [
        ("region", RegionViewSet),
        ("party", PartyViewSet),
        ("theme", ThemeViewSet),
        ("agreement", AgreementViewSet),
        ("action", ActionViewSet),
        ("review", ReviewViewSet),
        ("goal", GoalViewSet),
    ],
    extra=[
        (Action, "agreement__theme", Theme, {"code"}),
        (Action, "agreement", Agreement, {"theme"}),
    ],
)

urlpatterns = [
    *router.urls,
    path("changes/", ChangesView.as_view(feed=FEED), name="changes"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("guide/", IntegrationGuideView.as_view(), name="guide"),
]
