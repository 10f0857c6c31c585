"""The development kit, apart from the product: synthetic ID card photos (``synth``), the demo
customers (``customers``), their renewed cards (``idcards``) and the commands ``seed-demo``,
``demo-idcards`` and ``synth-idcards``. Used by ``idrenew demo``, the tests and the benches.

No product module imports it, except the demo-only paths listed in ARCHITECTURE.md
(``idcard.demo_api``, mounted only with ``IDRENEW_DEMO=1``).
"""
