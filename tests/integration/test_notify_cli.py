"""`hub notify` as an operator runs it, in a separate process on the embedded default, against
a local webhook receiver and a real SMTP server."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.notify_setup import smtp_inbox, webhook_receiver
from tests.integration.test_cli import hub


def test_subscriptions_test_sends_the_log_and_settings_from_the_command_line(
    tmp_path: Path,
) -> None:
    with webhook_receiver() as rx, smtp_inbox() as smtp:
        # The CLI helper clears HUB_* from the environment; the .env file is read instead.
        (tmp_path / ".env").write_text(
            f"HUB_SMTP_HOST=127.0.0.1\nHUB_SMTP_PORT={smtp.port}\nHUB_SMTP_FROM=hub@acme.test\n"
        )
        assert hub(tmp_path, "migrate").returncode == 0
        assert hub(tmp_path, "tenant", "create", "acme").returncode == 0
        kinds = ("--kind", "stock.low", "--kind", "order.overdue")
        added = hub(tmp_path, "notify", "add", "ops", "--channel", "webhook", "--target", rx.url,
                    *kinds, "--json", tenant="acme")  # fmt: skip
        assert added.returncode == 0, added.stderr
        rx.secret = json.loads(added.stdout)["secret"]
        mail = hub(tmp_path, "notify", "add", "buyer", "--channel", "email",
                   "--target", "buyer@acme.test", tenant="acme")  # fmt: skip
        assert mail.returncode == 0, mail.stderr
        assert "secret" not in mail.stdout

        listed = hub(tmp_path, "notify", "list", "--json", tenant="acme")
        assert listed.returncode == 0, listed.stderr
        subs = {s["name"]: s for s in json.loads(listed.stdout)}
        assert subs["ops"]["kinds"] == ["order.overdue", "stock.low"] and subs["ops"]["signed"]
        assert rx.secret not in listed.stdout and "t0ken-in-path" not in listed.stdout

        sent = hub(tmp_path, "notify", "test", "ops", tenant="acme")
        assert (sent.returncode, sent.stdout.strip()) == (0, "ops: sent"), sent.stderr
        assert [r.verified for r in rx.received] == [True]
        assert hub(tmp_path, "notify", "test", "buyer", tenant="acme").returncode == 0
        [message] = smtp.inbox.messages
        assert message["Subject"] == "[hub] Test notification to buyer"

        ran = hub(tmp_path, "notify", "run", tenant="acme")
        assert ran.returncode == 0, ran.stderr
        assert "delivered: 0 sent, 0 to retry, 0 failed" in ran.stdout
        log = json.loads(hub(tmp_path, "notify", "log", "--json", tenant="acme").stdout)
        assert sorted((e["subscription"], e["status"]) for e in log) == [
            ("buyer", "sent"), ("ops", "sent"),
        ]  # fmt: skip

        changed = hub(tmp_path, "notify", "settings", "--overdue-hours", "12", "--json",
                      tenant="acme")  # fmt: skip
        assert json.loads(changed.stdout)["overdue_hours"] == 12

        refused = hub(tmp_path, "notify", "add", "x", "--channel", "webhook", "--target",
                      rx.url, "--kind", "stock.lo", tenant="acme")  # fmt: skip
        assert refused.returncode == 1 and "kinds" in refused.stderr
        bad_status = hub(tmp_path, "notify", "log", "--status", "lost", tenant="acme")
        assert bad_status.returncode == 1 and "status='lost'" in bad_status.stderr
        assert hub(tmp_path, "notify", "remove", "ops", tenant="acme").returncode == 0
        gone = hub(tmp_path, "notify", "test", "ops", tenant="acme")
        assert gone.returncode == 1 and "ops" in gone.stderr
