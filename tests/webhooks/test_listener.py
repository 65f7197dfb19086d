"""`paysandbox webhooks listen`: receives, verifies and pretty-prints deliveries."""

from __future__ import annotations

import textwrap

from sandbox.listener import default_secrets, listener_app
from sandbox.scenario.model import parse
from sandbox.server import BackgroundServer
from tests.providers.zwitch.helpers import COLLECT_PATH
from tests.webhooks.conftest import deliver


def test_the_listener_verifies_and_prints(sb, zwitch, control):
    sb.advance(60)
    lines: list[str] = []
    with BackgroundServer(listener_app(default_secrets(), lines.append)) as listener:
        control.put("/webhooks/endpoints/zwitch/acc_1234567890", json={"url": listener.url + "/"})
        sb.runtime.load_scenario(
            parse(
                textwrap.dedent("""\
            name: tamper-second
            provider: zwitch
            webhooks:
              - {match: {event: payment_pending}, nth: 2, tamper: true}
            """)
            )
        )
        payment = zwitch.post(COLLECT_PATH, json={"amount": 12}).json()
        zwitch.post(COLLECT_PATH, json={"amount": 13})
        deliver(control)
        control.delete("/webhooks/endpoints/zwitch/acc_1234567890")
    text = "\n".join(lines)
    assert "payment_pending  signature OK (zwitch acc_1234567890)" in text
    assert "SIGNATURE DOES NOT VERIFY" in text
    assert f'"id": "{payment["id"]}"' in text  # pretty-printed JSON
    assert "x-zwitch-signature:" in text
