"""Marketing's knobs: the `marketing` group of rapport.settings.Settings (RAPPORT_MARKETING__*)."""

from __future__ import annotations

from pydantic import BaseModel, Field

DEFAULT_FORBIDDEN = [
    "guaranteed",
    "guarantee",
    "free forever",
    "100%",
    "risk-free",
    "risk free",
    "cure",
    "cures",
    "miracle",
    "no risk",
    "lowest price ever",
    "best in the world",
    "act now or lose",
    "保证",
    "永久免费",
    "百分之百",
    "治愈",
    "无风险",
    "奇迹",
    "全网最低",
]


class MarketingSettings(BaseModel):
    """Campaign links, message checks, frequency caps and attribution (docs/MARKETING.md)."""

    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where customers reach this server: tracking and unsubscribe links.",
    )
    link_secret: str | None = Field(
        default=None, description="HMAC key of tracking and unsubscribe links; default: a key file in data_dir/keys/."
    )
    forbidden_claims: list[str] = Field(
        default_factory=lambda: list(DEFAULT_FORBIDDEN), description="Words and claims no message may contain."
    )
    max_tries: int = Field(default=3, description="Model attempts per message before the template is used.")
    max_tokens: int = Field(default=200, description="Longest model answer (subject and body) per attempt.")
    email_max_chars: int = Field(default=1200, description="Longest email body the guardrails accept.")
    sms_max_chars: int = Field(default=160, description="Longest text message (70 when it is Chinese).")
    frequency_cap: int = Field(default=2, description="Default: campaign messages per customer per frequency_days.")
    frequency_days: int = Field(default=7, description="Default window of the frequency cap.")
    attribution_days: int = Field(default=14, description="Default: orders this many days after sending count.")
