"""Issue #11, item 1: the reasons behind a trading restriction. An account already
restricted gets one active reason, 原因未登记 (unrecorded): which reason it was is not known
here, so nothing lifts it automatically until the counter (or seed-demo) records the real one."""

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


def record_unknown_reasons(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    AccountRestriction = apps.get_model("customers", "AccountRestriction")
    now = timezone.now()
    AccountRestriction.objects.bulk_create(
        AccountRestriction(customer_id=pk, reason="unrecorded", since=now)
        for pk in Customer.objects.filter(status="restricted").values_list("pk", flat=True)
    )


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0004_customer_name_encrypted'),
    ]

    operations = [
        migrations.CreateModel(
            name='AccountRestriction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.CharField(choices=[('id_expired', '证件过期限制'), ('info_incomplete', '客户资料不完整'), ('suitability', '适当性评估过期'), ('aml_review', '反洗钱核查'), ('legal_order', '监管或司法要求'), ('unrecorded', '原因未登记')], max_length=30, verbose_name='限制原因')),
                ('since', models.DateTimeField(verbose_name='限制时间')),
                ('lifted_at', models.DateTimeField(blank=True, null=True, verbose_name='解除时间')),
                ('lifted_by', models.CharField(blank=True, max_length=60, verbose_name='解除依据')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='restrictions', to='customers.customer', verbose_name='客户')),
            ],
            options={
                'verbose_name': '交易限制',
                'verbose_name_plural': '交易限制',
                'ordering': ['customer_id', 'since'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('lifted_at__isnull', True)), fields=('customer', 'reason'), name='restriction_one_active_per_reason'), models.CheckConstraint(condition=models.Q(models.Q(('lifted_at__isnull', True), ('lifted_by', '')), models.Q(('lifted_at__isnull', False), models.Q(('lifted_by', ''), _negated=True)), _connector='OR'), name='restriction_lifted_with_reference')],
            },
        ),
        migrations.RunPython(record_unknown_reasons, migrations.RunPython.noop),
    ]
