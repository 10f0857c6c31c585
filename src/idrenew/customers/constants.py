from django.db import models


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    RESTRICTED = "restricted", "限制交易"
    FROZEN = "frozen", "冻结"
    CLOSED = "closed", "销户"


# Statuses that may still renew their ID (an expired ID restricts trading, not renewal).
RENEWAL_ALLOWED = {AccountStatus.ACTIVE, AccountStatus.RESTRICTED}


class RestrictionReason(models.TextChoices):
    """Why the counter restricts an account's trading (限制交易原因). An account may carry
    several; it trades again only once every one of them is lifted."""

    ID_EXPIRED = "id_expired", "证件过期限制"
    INFO_INCOMPLETE = "info_incomplete", "客户资料不完整"
    SUITABILITY = "suitability", "适当性评估过期"
    AML_REVIEW = "aml_review", "反洗钱核查"
    LEGAL_ORDER = "legal_order", "监管或司法要求"
    # A restriction recorded before reasons were kept: never lifted automatically.
    UNRECORDED = "unrecorded", "原因未登记"


# Restrictions an approved renewal lifts by itself: the new card cures exactly these.
LIFTED_BY_RENEWAL = frozenset({RestrictionReason.ID_EXPIRED})
