from __future__ import annotations

from datetime import date

from idrenew.customers.models import Customer


def customer_id_expired(customer: Customer, *, today: date) -> bool:
    return (
        not customer.id_long_term
        and customer.id_valid_to is not None
        and (customer.id_valid_to < today)
    )
