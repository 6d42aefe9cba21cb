"""Auto-replies speak the team inbox's labels (chats.Label) instead of free text, gain status
conditions and actions, and the workspace's automation settings (opt-out keywords) get a row."""

from django.db import migrations, models


def names_to_labels(apps, schema_editor):
    Rule, Label = apps.get_model("automation", "AutoReplyRule"), apps.get_model("chats", "Label")
    for rule in Rule.objects.exclude(condition_label="", add_label=""):
        for old, new in (("condition_label", "condition_label_ids"), ("add_label", "add_label_ids")):
            name = getattr(rule, old).strip()[:50]
            if name:
                label = Label.objects.filter(name__iexact=name).first() or Label.objects.create(name=name)
                setattr(rule, new, [label.pk])
        rule.save(update_fields=["condition_label_ids", "add_label_ids"])


class Migration(migrations.Migration):

    dependencies = [
        ('automation', '0001_initial'),
        ('chats', '0007_team_inbox'),
    ]

    operations = [
        migrations.CreateModel(
            name='AutomationSettings',
            fields=[
                ('id', models.PositiveSmallIntegerField(default=1, editable=False, primary_key=True, serialize=False)),
                ('optout_keywords', models.JSONField(blank=True, default=list)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name_plural': 'automation settings',
            },
        ),
        migrations.AddField(
            model_name='autoreplyrule',
            name='add_label_ids',
            field=models.JSONField(blank=True, default=list, help_text='Labels added to the chat.'),
        ),
        migrations.AddField(
            model_name='autoreplyrule',
            name='condition_label_ids',
            field=models.JSONField(blank=True, default=list, help_text='The chat has one of these labels.'),
        ),
        migrations.AddField(
            model_name='autoreplyrule',
            name='condition_statuses',
            field=models.JSONField(blank=True, default=list, help_text="The chat's status when the message came is one of these."),
        ),
        migrations.AddField(
            model_name='autoreplyrule',
            name='set_status',
            field=models.CharField(blank=True, help_text='open, pending or resolved.', max_length=10),
        ),
        migrations.RunPython(names_to_labels, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='autoreplyrule',
            name='add_label',
        ),
        migrations.RemoveField(
            model_name='autoreplyrule',
            name='condition_label',
        ),
    ]
