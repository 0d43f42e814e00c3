from django.db import models

from config.models import CodeQuerySet


class RegionQuerySet(CodeQuerySet):
    """The region tree questions. Both follow `parent` and `groups` through the closure table,
    so each is one indexed join on SQLite and PostgreSQL."""

    def within(self, *regions):
        """The given regions and every region inside any of them."""
        return self.filter(ancestor_links__ancestor__in=regions).distinct()

    def above(self, *regions):
        """The given regions and every region that contains any of them."""
        return self.filter(descendant_links__descendant__in=regions).distinct()

    def around(self, *regions):
        """The regions inside, at or above any of the given ones: where something linked
        "applies at" them."""
        model_objects = self.model.objects
        return self.filter(
            models.Q(pk__in=model_objects.within(*regions).values("pk"))
            | models.Q(pk__in=model_objects.above(*regions).values("pk"))
        )
