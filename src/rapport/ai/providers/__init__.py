"""The LLM providers by name: adding one means one module beside this file and one line here."""

from rapport.ai.providers.base import (
    ChatMessage,
    Completion,
    CompletionRequest,
    LLMProvider,
    ProviderCapabilities,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
)
from rapport.ai.providers.local_gguf import LocalGGUFProvider
from rapport.ai.providers.openai_compatible import OpenAICompatibleProvider

PROVIDERS: dict[str, type[LLMProvider]] = {
    "local": LocalGGUFProvider,
    "openai": OpenAICompatibleProvider,
}

__all__ = [
    "PROVIDERS",
    "ChatMessage",
    "Completion",
    "CompletionRequest",
    "LLMProvider",
    "LocalGGUFProvider",
    "OpenAICompatibleProvider",
    "ProviderCapabilities",
    "ProviderError",
    "ProviderTimeout",
    "ProviderUnavailable",
]
