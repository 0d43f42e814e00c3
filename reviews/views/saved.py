"""Saved filters: a list's filter under a name, private or shared as a link."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from reviews.choices import SavedViewList
from reviews.forms import SavedViewForm
from reviews.models import SavedView
from reviews.views.base import ReviewPageMixin
from reviews.views.lists import ActionListView, AgreementListView, canonical_query

# Saved views ----------------------------------------------------------------------------


class SavedViewCreateView(ReviewPageMixin, View):
    def post(self, request):
        list_name = request.POST.get("list")
        if list_name not in SavedViewList.values:
            return redirect("reviews:dashboard")
        view_class = ActionListView if list_name == SavedViewList.ACTIONS else AgreementListView
        query = canonical_query(
            QueryDict(request.POST.get("query", "")[:2000]),
            view_class.filterset_class,
            drop=("page", "export", "page_size"),
        )
        target = reverse(f"reviews:{list_name}") + (f"?{query}" if query else "")
        form = SavedViewForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
            return HttpResponseRedirect(target)
        filterset = view_class.filterset_class(
            QueryDict(query), queryset=view_class.filterset_class._meta.model.objects.none()
        )
        if not filterset.is_valid():
            messages.error(request, _("Only a valid filter can be saved."))
            return HttpResponseRedirect(target)
        name = form.cleaned_data["name"].strip()
        if SavedView.objects.filter(owner=request.user, list=list_name, name=name).exists():
            messages.error(request, _("You have a saved filter with that name already."))
            return HttpResponseRedirect(target)
        SavedView.objects.create(
            owner=request.user,
            list=list_name,
            name=name,
            query=query,
            shared=form.cleaned_data["shared"],
        )
        messages.success(request, _("Saved as “%(name)s”.") % {"name": name})
        return HttpResponseRedirect(target)


class SavedViewOpenView(ReviewPageMixin, View):
    def get(self, request, pk):
        view = get_object_or_404(SavedView, pk=pk)
        if not SavedView.objects.visible_to(request.user).filter(pk=pk).exists():
            raise PermissionDenied(_("This saved filter is not shared with you."))
        return HttpResponseRedirect(view.list_url())


class SavedViewDeleteView(ReviewPageMixin, View):
    def post(self, request, pk):
        view = get_object_or_404(SavedView, pk=pk)
        if view.owner_id != request.user.pk and not request.user.is_superuser:
            raise PermissionDenied(_("Only its owner deletes a saved filter."))
        target = view.list_url()
        view.delete()
        messages.success(request, _("Deleted “%(name)s”.") % {"name": view.name})
        return HttpResponseRedirect(target)


# The implementation matrix --------------------------------------------------------------
