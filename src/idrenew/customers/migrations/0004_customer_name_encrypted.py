"""Issue #10, item 14: the customer's name is encrypted at rest like the ID number, mobile
and address. Existing names are encrypted in place; reversible (decrypted back)."""

from django.db import migrations

import idrenew.lib.fields


def _names(schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, name FROM customers_customer")
        return cursor.fetchall()


def _set(schema_editor, pk, value):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("UPDATE customers_customer SET name = %s WHERE id = %s", [value, pk])


def _is_token(value):
    from idrenew.lib.crypto import DecryptionError, decrypt_text

    try:
        decrypt_text(value)
    except (DecryptionError, ValueError, UnicodeError):
        return False
    return True


def encrypt(apps, schema_editor):
    from idrenew.lib.crypto import encrypt_text

    for pk, name in _names(schema_editor):
        if name and not _is_token(name):
            _set(schema_editor, pk, encrypt_text(name))


def decrypt(apps, schema_editor):
    from idrenew.lib.crypto import decrypt_text

    for pk, name in _names(schema_editor):
        if name and _is_token(name):
            _set(schema_editor, pk, decrypt_text(name))


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_customer_customer_valid_to")]

    operations = [
        migrations.AlterField(
            model_name="customer",
            name="name",
            field=idrenew.lib.fields.EncryptedTextField(max_length=50, verbose_name="姓名"),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
