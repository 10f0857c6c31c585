from __future__ import annotations

from typing import TYPE_CHECKING

from idrenew.core.tasks import register

if TYPE_CHECKING:
    from idrenew.signing.steps import SignedJson


@register("signing.sign")
def sign(*, signature_id: str, ip: str, user_agent: str) -> SignedJson:
    from idrenew.signing.steps import signing_run

    return signing_run(signature_id=signature_id, ip=ip, user_agent=user_agent)
