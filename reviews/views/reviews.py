"""`/reviews/all/`, `/reviews/<id>/`: the reviews, their decisions, and holding one."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from actions.choices import CLOSED_STATUSES, ActionStatus
from actions.models import Action
from agenda.choices import AgreementStatus, ReviewDecisionKind, ReviewStatus
from agenda.models import Agreement, Review, Theme
from agenda.scope import scope_for
from agenda.services import review_decision_save
from config.admin_base import add_refusal_to_form
from config.refusals import REFUSALS, refusal_text
from regions.models import Region
from reviews import charts, selectors
from reviews.cache import Figures
from reviews.forms import DecisionForm, HoldForm
from reviews.selectors import visible_decisions
from reviews.services import review_hold, suggested_code
from reviews.views.base import NATIONAL_LABEL, ReviewPageMixin

DECIDABLE = (AgreementStatus.DRAFT, AgreementStatus.ACTIVE)


class ReviewListView(ReviewPageMixin, TemplateView):
    template_name = "reviews/review_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        points = selectors.trend()
        context.update(
            reviews=Review.objects.annotate(n_decisions=Count("decisions")).order_by("-date"),
            trend=points,
            trend_chart=charts.trend_chart(points),
            statuses=[(s, ActionStatus(s).label) for s in selectors.STATUS_ORDER],
        )
        return context


def decisions_by_kind(decisions):
    groups = []
    for kind, label in ReviewDecisionKind.choices:
        items = [d for d in decisions if d.decision == kind]
        if items:
            groups.append({"kind": kind, "label": label, "decisions": items})
    return groups


class ReviewDetailView(ReviewPageMixin, TemplateView):
    template_name = "reviews/review_detail.html"

    def get(self, request, pk, hold_form=None, status=200, bound_decision=None):
        review = get_object_or_404(Review.objects.prefetch_related("participants"), pk=pk)
        user = request.user
        decisions = list(visible_decisions(review, user))
        previous = selectors.last_held_review_before(review.date)
        until = min(review.date, timezone.localdate())
        changes = (
            Figures(user, until).get(
                "changes",
                lambda: selectors.changes_between(user, previous.date, until, NATIONAL_LABEL),
                previous.date,
            )
            if previous
            else None
        )
        planned = review.status == ReviewStatus.PLANNED
        may_hold = planned and scope_for(user).prepares_reviews
        if may_hold and hold_form is None:
            hold_form = HoldForm(
                initial={"conclusion": review.conclusion},
                adjustments=self.adjustments(decisions, review),
            )
        open_actions = 0
        ending = [
            d.agreement_id
            for d in decisions
            if d.decision in (ReviewDecisionKind.COMPLETE, ReviewDecisionKind.STOP)
        ]
        if ending and review.status == ReviewStatus.PLANNED:
            open_actions = (
                Action.objects.visible_to(user)
                .filter(agreement_id__in=ending)
                .exclude(status__in=CLOSED_STATUSES)
                .count()
            )
        context = self.get_context_data(
            review=review,
            groups=decisions_by_kind(decisions),
            previous=previous,
            changes=changes,
            national=selectors.NATIONAL,
            may_hold=may_hold,
            hold_form=hold_form,
            open_actions_under_ending=open_actions,
            snapshot=snapshot_table(review.snapshot),
            statuses=[(s, ActionStatus(s).label) for s in selectors.STATUS_ORDER],
            admin_url=reverse("admin:agenda_review_change", args=[review.pk]),
            decision_forms=decision_forms(review, user, decisions, bound_decision)
            if may_hold
            else None,
            read_only_reason=scope_for(user).why_not_preparing_reviews() if planned else None,
            report_regions=selectors.agenda_regions(),
        )
        return self.render_to_response(context, status=status)

    @staticmethod
    def adjustments(decisions, review):
        return [
            (d, suggested_code(d.agreement, review))
            for d in decisions
            if d.decision == ReviewDecisionKind.ADJUST
        ]


def decision_forms(review, user, decisions, bound=None):
    """One form per agreement under review: those with a decision, then the other open
    (draft or active) agreements the user sees; `bound` (a DecisionForm with the editor's
    input and its errors) replaces its agreement's form."""
    by_agreement = {d.agreement_id: d for d in decisions}
    undecided = (
        Agreement.objects.visible_to(user)
        .filter(status__in=DECIDABLE)
        .exclude(pk__in=by_agreement)
        .select_related("theme")
        .order_by("code")
    )
    forms = [DecisionForm(agreement=d.agreement, current=d) for d in decisions]
    forms += [DecisionForm(agreement=agreement) for agreement in undecided]
    if bound is not None:
        forms = [bound if f.agreement.pk == bound.agreement.pk else f for f in forms]
    return forms


class DecisionSaveView(ReviewPageMixin, View):
    """Records one decision from the review page, through the same service as the admin
    (agenda.services.review_decision_save): a refusal is a form error, nothing written."""

    def post(self, request, pk, agreement_pk):
        review = get_object_or_404(Review, pk=pk)
        scope = scope_for(request.user)
        if not scope.prepares_reviews:
            raise PermissionDenied(scope.why_not_preparing_reviews())
        agreement = get_object_or_404(Agreement.objects.visible_to(request.user), pk=agreement_pk)
        current = review.decisions.filter(agreement=agreement).first()
        form = DecisionForm(request.POST, agreement=agreement, current=current)
        if form.is_valid():
            try:
                review_decision_save(
                    review=review,
                    agreement=agreement,
                    user=request.user,
                    decision=form.cleaned_data["decision"],
                    note=form.cleaned_data["note"],
                    expected_version=form.cleaned_data["version"],
                )
            except REFUSALS as exc:
                add_refusal_to_form(form, exc)
            else:
                messages.success(
                    request,
                    _("The decision on %(agreement)s is recorded.") % {"agreement": agreement},
                )
                return redirect(f"{reverse('reviews:review', args=[pk])}#decision-{agreement.pk}")
        detail = ReviewDetailView(request=request, kwargs={"pk": pk})
        return detail.get(request, pk, status=400, bound_decision=form)


class ReviewHoldView(ReviewPageMixin, View):
    def post(self, request, pk):
        review = get_object_or_404(Review, pk=pk)
        if not scope_for(request.user).prepares_reviews:
            raise PermissionDenied(_("Only ministry editors hold reviews."))
        decisions = list(visible_decisions(review, request.user))
        form = HoldForm(request.POST, adjustments=ReviewDetailView.adjustments(decisions, review))
        detail = ReviewDetailView(request=request, kwargs={"pk": pk})
        if not form.is_valid():
            return detail.get(request, pk, hold_form=form, status=400)
        try:
            review_hold(
                review=review,
                user=request.user,
                conclusion=form.cleaned_data["conclusion"],
                revisions=form.revisions(),
            )
        except REFUSALS as exc:
            form.add_error(None, refusal_text(exc))
            return detail.get(request, pk, hold_form=form, status=400)
        messages.success(request, _("The review has been held; its decisions are applied."))
        return redirect("reviews:review", pk=pk)


def snapshot_table(snapshot):
    """The frozen counts as rows of (theme, agenda region) × status, for the page."""
    if not snapshot or "counts" not in snapshot:
        return None
    rows = {}
    for item in snapshot["counts"]:
        key = (item["agenda_region"], item["theme"])
        rows.setdefault(key, {})[item["status"]] = item["count"]
    names = dict(Region.objects.filter(code__in={k[0] for k in rows}).values_list("code", "name"))
    themes = dict(Theme.objects.values_list("code", "name"))
    return [
        {
            "region": names.get(region, NATIONAL_LABEL),
            "theme": themes.get(theme, theme),
            "cells": [counts.get(s, 0) for s in selectors.STATUS_ORDER],
            "total": sum(counts.values()),
        }
        for (region, theme), counts in sorted(rows.items())
    ]


# The report -----------------------------------------------------------------------------
