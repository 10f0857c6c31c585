"""Writing audit events."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest

from idrenew.audit.models import ActorType, AuditEvent
from idrenew.lib.net import client_ip, user_agent


def audit_record(
    *,
    action: str,
    actor_type: str,
    actor_id: str = "",
    customer_id: int | None = None,
    case_id: uuid.UUID | str | None = None,
    request: HttpRequest | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        action=action,
        actor_type=actor_type,
        actor_id=str(actor_id)[:64],
        customer_id=customer_id,
        case_id=case_id,
        ip=client_ip(request) if request is not None else "",
        user_agent=user_agent(request) if request is not None else "",
        data=data or {},
    )


def audit_customer(
    *,
    action: str,
    customer_id: int,
    request: HttpRequest | None,
    case_id: uuid.UUID | str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return audit_record(
        action=action,
        actor_type=ActorType.CUSTOMER,
        actor_id=str(customer_id),
        customer_id=customer_id,
        case_id=case_id,
        request=request,
        data=data,
    )
