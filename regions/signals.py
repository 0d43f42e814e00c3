"""Keep the derived closure table in step with the region tree.

This is index maintenance, not business logic: any write to `parent` or `groups`, from the
admin, the API or the shell, must be reflected before the next "inside"/"above" question.
Raw saves (loaddata) are skipped; the project's loaddata command rebuilds once at the end."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from regions.models import Region
from regions.services import rebuild_region_closure


@receiver(post_save, sender=Region)
def region_saved(sender, instance, created, raw, **kwargs):
    if raw:
        return
    rebuild_region_closure()


@receiver(post_delete, sender=Region)
def region_deleted(sender, instance, **kwargs):
    rebuild_region_closure()


@receiver(m2m_changed, sender=Region.groups.through)
def region_groups_changed(sender, instance, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        rebuild_region_closure()
