"""The admin asks the same scope questions as the API: `visible_to` decides what a staff
member sees, `editable_by` what they may change or delete. Service refusals (illegal moves,
stale versions, out-of-scope writes) become error messages; the admin view's transaction
rolls back, so nothing is written."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect

from config.concurrency import StaleVersionError


class ScopedAdminMixin:
    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def _editable(self, request, obj):
        model = type(obj)
        return model.objects.editable_by(request.user).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self._editable(request, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self._editable(request, obj))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleVersionError as exc:
            changed_by = exc.instance.history.first()
            who = changed_by.history_user if changed_by else None
            messages.error(
                request,
                f"{exc} ({who or '?'}, {changed_by.history_date:%d-%m-%Y %H:%M})"
                if changed_by
                else str(exc),
            )
        except PermissionDenied as exc:
            # Refused before any write (not in scope at all): a plain 403, as Django does.
            # Refused by the service because the result would leave the scope: a message.
            obj = self.get_object(request, object_id) if object_id else None
            if obj is None or not self._editable(request, obj):
                raise
            messages.error(request, str(exc))
        except ValidationError as exc:
            text = (
                "; ".join(
                    f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items()
                )
                if isinstance(exc, ValidationError) and hasattr(exc, "error_dict")
                else str(exc)
            )
            messages.error(request, text)
        return HttpResponseRedirect(request.get_full_path())
