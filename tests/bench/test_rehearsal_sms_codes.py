"""The rehearsal's Aliyun deployment names a template code for every registered SMS kind, so
the desk it starts does not refuse to (a capability that registers a kind updates it)."""

from __future__ import annotations

from bench.rehearsal.deploy import aliyun_environment
from helpdesk.notify import adapters, registry
from helpdesk.notify.aliyun import AliyunSmsNotifier


def test_the_rehearsal_has_a_template_code_for_every_sms_kind(app):
    env = aliyun_environment("http://127.0.0.1:1")
    config = {key.removeprefix("HELPDESK_"): value for key, value in env.items()}

    notifier = adapters.from_config(config, kinds=registry.kinds())

    assert isinstance(notifier, AliyunSmsNotifier)
    assert set(notifier.template_codes) == set(registry.kinds())
