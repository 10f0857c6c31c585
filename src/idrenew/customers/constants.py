from django.db import models


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    RESTRICTED = "restricted", "限制交易"
    FROZEN = "frozen", "冻结"
    CLOSED = "closed", "销户"


# Statuses that may still renew their ID (an expired ID restricts trading, not renewal).
RENEWAL_ALLOWED = {AccountStatus.ACTIVE, AccountStatus.RESTRICTED}
