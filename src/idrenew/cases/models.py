from __future__ import annotations

import uuid

from django.db import models

from idrenew.cases.constants import ACTIVE_STATE_VALUES, STATE_CHOICES
from idrenew.cases.domain.states import LABELS, State, step_of
from idrenew.customers.models import Customer


class RenewalCase(models.Model):
    """One customer's ID renewal, from sign-in to the staff decision (the aggregate)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField("编号", max_length=20, unique=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="cases", verbose_name="客户"
    )
    state = models.CharField(
        "状态", max_length=30, choices=STATE_CHOICES, default=State.STARTED.value
    )
    channel = models.CharField("渠道", max_length=20, default="h5")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    expires_at = models.DateTimeField("过期时间")
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "证件更新申请"
        verbose_name_plural = "证件更新申请"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(state__in=ACTIVE_STATE_VALUES),
                name="case_one_active_per_customer",
            )
        ]
        indexes = [models.Index(fields=["state", "expires_at"], name="case_state_expiry")]

    def __str__(self) -> str:
        return self.reference

    @property
    def state_enum(self) -> State:
        return State(self.state)

    @property
    def state_label(self) -> str:
        return LABELS[self.state_enum]

    @property
    def current_step(self) -> int:
        return step_of(self.state_enum).number

    @property
    def step_key(self) -> str:
        return step_of(self.state_enum).key
