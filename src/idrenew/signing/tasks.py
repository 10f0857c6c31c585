from __future__ import annotations

from typing import Any

from idrenew.core.tasks import register


@register("signing.sign")
def sign(*, signature_id: str, ip: str, user_agent: str) -> dict[str, Any]:
    from idrenew.signing.steps import signing_run

    # The registry's TaskFunc returns dict[str, Any]; SignedJson types what is stored.
    return dict(signing_run(signature_id=signature_id, ip=ip, user_agent=user_agent))
