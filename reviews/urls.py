from django.urls import path, re_path

from reviews import views

app_name = "reviews"
ID = r"(?P<pk>[0-9]{1,18})"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("actions/", views.ActionListView.as_view(), name="actions"),
    path("agreements/", views.AgreementListView.as_view(), name="agreements"),
    path("matrix/", views.MatrixView.as_view(), name="matrix"),
    path("all/", views.ReviewListView.as_view(), name="review-list"),
    re_path(rf"^{ID}/$", views.ReviewDetailView.as_view(), name="review"),
    re_path(rf"^{ID}/hold/$", views.ReviewHoldView.as_view(), name="review-hold"),
    re_path(rf"^{ID}/report/$", views.ReportView.as_view(), name="report"),
    re_path(rf"^{ID}/report/pdf/$", views.ReportView.as_view(pdf=True), name="report-pdf"),
    path("views/new/", views.SavedViewCreateView.as_view(), name="saved-view-create"),
    re_path(rf"^views/{ID}/$", views.SavedViewOpenView.as_view(), name="saved-view"),
    re_path(
        rf"^views/{ID}/delete/$", views.SavedViewDeleteView.as_view(), name="saved-view-delete"
    ),
]
