from django.urls import path, re_path

from reviews.views import dashboard, lists, matrix, report, reviews, saved

app_name = "reviews"
ID = r"(?P<pk>[0-9]{1,18})"

urlpatterns = [
    path("", dashboard.DashboardView.as_view(), name="dashboard"),
    path("actions/", lists.ActionListView.as_view(), name="actions"),
    path("agreements/", lists.AgreementListView.as_view(), name="agreements"),
    path("matrix/", matrix.MatrixView.as_view(), name="matrix"),
    path("all/", reviews.ReviewListView.as_view(), name="review-list"),
    re_path(rf"^{ID}/$", reviews.ReviewDetailView.as_view(), name="review"),
    re_path(
        rf"^{ID}/decisions/(?P<agreement_pk>[0-9]{{1,18}})/$",
        reviews.DecisionSaveView.as_view(),
        name="decision-save",
    ),
    re_path(rf"^{ID}/hold/$", reviews.ReviewHoldView.as_view(), name="review-hold"),
    re_path(rf"^{ID}/report/$", report.ReportView.as_view(), name="report"),
    re_path(rf"^{ID}/report/pdf/$", report.ReportView.as_view(pdf=True), name="report-pdf"),
    path("views/new/", saved.SavedViewCreateView.as_view(), name="saved-view-create"),
    re_path(rf"^views/{ID}/$", saved.SavedViewOpenView.as_view(), name="saved-view"),
    re_path(
        rf"^views/{ID}/delete/$", saved.SavedViewDeleteView.as_view(), name="saved-view-delete"
    ),
]
