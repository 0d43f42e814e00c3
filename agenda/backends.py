"""The admin's model permissions, granted by memberships alone: a membership is all it takes
(no groups to keep in step). Which rows an editor may change is `editable_by`'s answer."""

from django.contrib.auth.backends import ModelBackend

from agenda.scope import scope_for

# What every member reads.
REGISTRY_MODELS = [
    "regions.region",
    "agenda.party",
    "agenda.membership",
    "agenda.theme",
    "agenda.agreement",
    "agenda.agreementparty",
    "agenda.budgetline",
    "agenda.review",
    "agenda.reviewdecision",
    "agenda.goal",
    "agenda.goalmeasurement",
    "actions.action",
    "actions.actionupdate",
]
# What every editor may add, change and delete, within their scope.
EDITOR_MODELS = ["agenda.agreement", "agenda.agreementparty", "agenda.budgetline", "actions.action"]
# Ministry editors also look users up to give them memberships.
MINISTRY_EXTRA = ["auth.view_user"]


def _perms(models, actions):
    return {
        f"{label.split('.')[0]}.{action}_{label.split('.')[1]}"
        for label in models
        for action in actions
    }


def permissions_for(scope):
    """The permission names ("app.codename") a scope grants."""
    if not scope.is_member:
        return frozenset()
    perms = _perms(REGISTRY_MODELS, ["view"])
    if scope.edits_everything:
        perms |= _perms(REGISTRY_MODELS, ["add", "change", "delete"]) | set(MINISTRY_EXTRA)
    elif scope.editor_party_ids:
        perms |= _perms(EDITOR_MODELS, ["add", "change", "delete"])
    return frozenset(perms)


class MembershipBackend(ModelBackend):
    """Django's password authentication; permissions from the user's memberships only.
    Superusers keep every permission (Django's User.has_perm answers them first)."""

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return set(permissions_for(scope_for(user_obj)))
