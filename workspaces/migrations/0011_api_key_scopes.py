"""API keys get scopes (workspaces/scopes.py). Keys made before scopes existed could do
everything a key could: they get all three scopes, so every CRM integration keeps working the day
this ships. (What became session-only, a key could do before and no key can now, whatever its
scopes: a security change, not a scope.)"""

from django.db import migrations, models

ALL_SCOPES = ["read", "send", "manage"]  # spelled here: a migration must not import the app's code


def existing_keys_keep_everything(apps, schema_editor):
    apps.get_model("workspaces", "ApiKey").objects.update(scopes=ALL_SCOPES)


class Migration(migrations.Migration):
    dependencies = [("workspaces", "0010_admin_labels")]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="scopes",
            field=models.JSONField(default=list, help_text="Any of read, send, manage (workspaces/scopes.py)."),
        ),
        migrations.RunPython(existing_keys_keep_everything, migrations.RunPython.noop),
    ]
