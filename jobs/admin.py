"""The task framework's database backend registers its task results in the admin; people
follow their work under My jobs (jobs.views), so the registry's admin leaves them out."""

from django.contrib import admin
from django_tasks_db.models import DBTaskResult

if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
