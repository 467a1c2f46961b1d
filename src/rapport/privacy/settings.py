"""Settings of the privacy domain (`RAPPORT_PRIVACY__*`) and of login and API limits (`RAPPORT_SECURITY__*`)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PrivacySettings(BaseModel):
    """Pseudonymised exports and differential privacy (docs/PRIVACY.md)."""

    pseudonym_key: str | None = Field(
        default=None, description="HMAC key of export pseudonyms; default: a key file in data_dir/keys/."
    )
    key_file: str | None = Field(
        default=None,
        description="Keyring of field-encryption keys (JSON, mode 600); default data_dir/keys/fields.json.",
    )
    key_provider: str | None = Field(
        default=None, description="A KMS-backed key provider as 'module:Class' (called with the settings) instead."
    )
    k_anonymity: int = Field(default=5, description="Smallest group of exported rows sharing quasi-identifiers.")
    epsilon_budget: float = Field(default=10.0, description="Epsilon each dataset may spend on DP answers in total.")


class SecuritySettings(BaseModel):
    """Login lockout and API rate limits (docs/PRIVACY.md, "Rate limits")."""

    login_max_failures: int = Field(default=5, description="Failed logins per account in the window that lock it.")
    login_ip_max_failures: int = Field(default=20, description="Failed logins from one IP in the window that lock it.")
    login_window_s: int = Field(default=900, description="Window failed logins are counted in.")
    lockout_s: int = Field(default=900, description="How long a locked account or IP waits after its last failure.")
    api_rate_limit: int = Field(default=600, description="API requests per minute per token (or per IP); 0: none.")
