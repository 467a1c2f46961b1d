"""Campaign copy: the model's, checked and rewritten on failure, else the template; composed per recipient."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session

from rapport.marketing import campaigns, messages
from rapport.settings import Settings

from .kit import SYSTEM, ScriptedProvider, gateway_with, local_model, make_campaign, make_segment, settings_for

GOOD = {"subject": "Warm days ahead", "body": "The Alpine Down Jacket is 20% off until December 31, 2030."}
INVENTED = {"subject": "Huge deal", "body": "The Alpine Down Jacket is 45% off, guaranteed, until January 3."}


def _settings(tmp_path: Path, **marketing: object) -> Settings:
    return settings_for(tmp_path, **marketing)


def test_templates_pass_the_guardrails_in_both_languages(session: Session, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    campaign = make_campaign(session, settings, make_segment(session))

    made = campaigns.generate_messages(session, SYSTEM, None, campaign.id, settings, use_model=False)

    assert sorted((m.variant, m.language, m.source) for m in made) == [
        ("A", "en", "template"), ("A", "zh", "template"), ("B", "en", "template"), ("B", "zh", "template"),
    ]  # fmt: skip
    assert all(m.guardrail["ok"] for m in made), [m.guardrail for m in made]
    english = next(m for m in made if (m.variant, m.language) == ("A", "en"))
    assert "$63.20 instead of $79.00 (20% off)" in english.body
    assert "December 31, 2030" in english.body
    chinese = next(m for m in made if (m.variant, m.language) == ("A", "zh"))
    assert "Alpine 羽绒服八折" in chinese.body
    assert "2030年12月31日" in chinese.body


def test_rejected_copy_is_rewritten_with_the_problems_named(session: Session, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    campaign = make_campaign(session, settings, make_segment(session), languages=["en"], variants=[{"key": "A"}])
    provider = ScriptedProvider(json.dumps(INVENTED), json.dumps(GOOD))

    [message] = campaigns.generate_messages(session, SYSTEM, gateway_with(provider, tmp_path), campaign.id, settings)

    assert (message.source, message.tries, message.body) == ("model", 2, GOOD["body"])
    assert message.guardrail["ok"] is True
    assert {"discount", "claim", "date"} <= {p.split(":")[0] for p in message.guardrail["rejected"][0]["problems"]}
    assert "45%" in provider.requests[1].messages[-1]["content"]  # the second try is told what was wrong


def test_copy_failing_every_try_falls_back_to_the_template(session: Session, tmp_path: Path) -> None:
    settings = _settings(tmp_path, max_tries=2)
    campaign = make_campaign(session, settings, make_segment(session), languages=["zh"], variants=[{"key": "A"}])
    provider = ScriptedProvider(json.dumps(INVENTED))

    [message] = campaigns.generate_messages(session, SYSTEM, gateway_with(provider, tmp_path), campaign.id, settings)

    assert (message.source, message.tries, len(provider.requests)) == ("template", 2, 2)
    assert message.guardrail["ok"] is True
    assert len(message.guardrail["rejected"]) == 2


def test_no_model_means_templates(session: Session, tmp_path: Path) -> None:
    settings = _settings(tmp_path)  # RAPPORT_LLM__PROVIDER=none
    campaign = make_campaign(session, settings, make_segment(session), languages=["en"], variants=[{"key": "A"}])
    from rapport.ai.gateway import Gateway

    [message] = campaigns.generate_messages(session, SYSTEM, Gateway(settings, None), campaign.id, settings)

    assert message.source == "template"


def test_compose_adds_greeting_link_and_unsubscribe(session: Session) -> None:
    composed = messages.compose(
        "Subject",
        "Body text.",
        language="en",
        channel="email",
        company="Harbor & Pine",
        recipient=messages.guardrails.Recipient(full_name="Emma Walker", first_name="Emma"),
        click_url="https://x.test/c",
        unsubscribe_url="https://x.test/u",
        pixel_url="https://x.test/o.gif",
    )

    assert composed.text.startswith("Hi Emma,\n\nBody text.\n\nSee the offer: https://x.test/c")
    assert "Unsubscribe with one click: https://x.test/u" in composed.text
    assert '<img src="https://x.test/o.gif"' in composed.html


def test_the_small_real_model_writes_copy_that_passes_or_falls_back(session: Session, tmp_path: Path) -> None:
    settings = _settings(tmp_path, max_tries=1, max_tokens=120)  # short: one try, a short answer
    campaign = make_campaign(session, settings, make_segment(session), languages=["en"], variants=[{"key": "A"}])

    [message] = campaigns.generate_messages(
        session, SYSTEM, gateway_with(local_model(), tmp_path), campaign.id, settings
    )

    assert message.source in {"model", "template"}
    assert message.guardrail["ok"] is True, message.guardrail
    assert message.tries == 1
    assert message.body.strip()
    assert len(message.body) <= settings.marketing.email_max_chars
