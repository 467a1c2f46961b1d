"""The one Settings object: every knob Rapport reads from the environment (prefix RAPPORT_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from rapport.analytics.schemas import AnalyticsSettings
from rapport.assistant.settings import AssistantSettings
from rapport.automation.schemas import AutomationSettings
from rapport.jobs.settings import QueueSettings
from rapport.mail.schemas import MailSettings
from rapport.marketing.settings import MarketingSettings
from rapport.privacy.settings import PrivacySettings, SecuritySettings
from rapport.reports.schemas import ReportSettings
from rapport.store.settings import DatabaseSettings


class ApiSettings(BaseModel):
    """HTTP server and request limits."""

    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = Field(default=2_000_000, description="Requests with a larger body get 413.")
    max_page_size: int = 200


class AuthSettings(BaseModel):
    """Sessions and tokens."""

    session_ttl_s: int = 8 * 3600
    cookie_name: str = "rapport_session"
    cookie_secure: bool = Field(default=False, description="Set true behind HTTPS so cookies are never sent in clear.")


class LLMSettings(BaseModel):
    """Which language model answers, and the limits every call runs under (see docs/AI.md)."""

    provider: str = Field(
        default="local", description="local (in-process GGUF), openai (any OpenAI-compatible URL), none"
    )
    local_model: str = Field(default="qwen2.5-coder-1.5b-instruct-q4_k_m", description="Name in rapport.ai.weights.")
    n_threads: int | None = Field(default=None, description="llama.cpp threads; default half the CPUs.")
    base_url: str | None = Field(default=None, description="OpenAI-compatible server, e.g. http://gpu:8000/v1.")
    api_key: str | None = None
    model: str = Field(default="default", description="Model name to ask the OpenAI-compatible server for.")
    timeout_s: float = 60.0
    max_retries: int = 2
    max_concurrency: int = Field(default=1, description="Calls running at once per provider.")
    max_queue: int = Field(default=8, description="Calls waiting per provider; more get 'busy, retry after N s'.")
    cache: bool = True
    feature_providers: dict[str, str] = Field(
        default_factory=dict, description='Per-feature provider, e.g. {"assistant": "openai"}.'
    )


class EmbeddingSettings(BaseModel):
    """How texts become vectors (see docs/EMBEDDINGS.md). Which embedder a feature uses is that feature's setting."""

    threads: int | None = Field(default=None, description="Threads per local embedder; default: the library's.")
    batch_size: int = Field(default=32, description="Texts per batch.")
    cache_size: int = Field(default=4096, description="Vectors kept in memory by text (0: no cache).")
    base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible /embeddings server for the `openai` embedder, e.g. http://gpu:8000/v1.",
    )
    model: str | None = Field(default=None, description="Model name to ask that server for.")
    api_key: str | None = None


class Settings(BaseSettings):
    """Everything configurable. Built once in the CLI callback or `create_app` and passed down."""

    model_config = SettingsConfigDict(env_prefix="RAPPORT_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Where the SQLite file, models and caches live.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is a SQLite file (WAL mode) in data_dir."
    )
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    log_level: str = "INFO"
    api: ApiSettings = Field(default_factory=ApiSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    embeddings: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    assistant: AssistantSettings = Field(default_factory=AssistantSettings)
    queue: QueueSettings = Field(default_factory=QueueSettings)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)
    automation: AutomationSettings = Field(default_factory=AutomationSettings)
    mail: MailSettings = Field(default_factory=MailSettings)
    reports: ReportSettings = Field(default_factory=ReportSettings)
    marketing: MarketingSettings = Field(default_factory=MarketingSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'rapport.db').resolve()}"
