from django.db import migrations


def create_public(apps, schema_editor):
    """django-tenants needs a tenant row for the public schema; the public hosts map to it."""
    Workspace = apps.get_model("workspaces", "Workspace")
    Workspace.objects.get_or_create(schema_name="public", defaults={"slug": "public", "name": "Blazz"})


class Migration(migrations.Migration):
    dependencies = [("workspaces", "0001_initial")]
    operations = [migrations.RunPython(create_public, migrations.RunPython.noop)]
