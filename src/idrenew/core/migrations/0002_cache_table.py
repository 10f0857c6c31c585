"""The database cache table, used for cache and rate limits when no Redis is configured."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "idrenew_cache"


def create(apps, schema_editor):
    if TABLE not in schema_editor.connection.introspection.table_names():
        command = CreateCacheTable()
        command.verbosity = 0
        command.create_table(schema_editor.connection.alias, TABLE, False)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
