"""Prompt-injection defence: untrusted text (customer messages, articles, customer fields) is fenced as data.

What keeps the assistant safe does not depend on the model obeying: tools are bound to the verified customer in code,
the system prompt carries no secret, and answers are checked after generation. What is here makes instructions
hidden in data less likely to steer the model and keeps the rules themselves from being echoed:

- `fence(name, text)` wraps data in a named tag after removing anything that would close or open our tags, so a
  passage cannot end its own fence and start speaking as the system.
- `looks_like_injection(text)` spots the usual phrasings ("ignore previous instructions", "你现在是…"); such text is
  still answered as data, but the flag is recorded and the text is never used as a search query verbatim.
- `leaks_prompt(answer, prompt)` is true when the answer repeats a run of the system prompt; the answer is then
  replaced by a refusal.
"""

from __future__ import annotations

import re
from typing import Final

_TAGS: Final = ("passages", "passage", "records", "customer_message", "conversation", "ticket", "system", "rules")
_OUR_TAG: Final = re.compile(r"<\s*/?\s*(" + "|".join(_TAGS) + r")\b[^>]*>", re.IGNORECASE)
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_CHAT_MARKERS: Final = re.compile(r"<\|?(im_start|im_end|endoftext|system|assistant|user)\|?>", re.IGNORECASE)
_INJECTION: Final = re.compile(
    r"ignore (all |any |the )?(previous|prior|above|earlier) (instructions|rules|prompts?)|disregard (the|your|all) "
    r"(rules|instructions)|system prompt|reveal (your|the) (prompt|instructions|rules)|you are now|act as (an?|the) |"
    r"pretend (to be|you are)|developer mode|jailbreak|new instructions?:|override (the|your) |"
    r"忽略(之前|以上|前面|所有)|无视(之前|以上|规则)|系统提示|提示词|你现在是|扮演|越狱|泄露.*(规则|提示)",
    re.IGNORECASE,
)


def clean(text: str) -> str:
    """Untrusted text without our delimiters, chat-template markers or invisible control characters."""
    text = _CONTROL.sub("", text)
    text = _CHAT_MARKERS.sub("", text)
    return _OUR_TAG.sub("", text)


def fence(name: str, text: str, **attributes: str | int) -> str:
    attrs = "".join(f' {key}="{clean(str(value)).replace(chr(34), chr(39))}"' for key, value in attributes.items())
    return f"<{name}{attrs}>\n{clean(text).strip()}\n</{name}>"


def looks_like_injection(text: str) -> bool:
    return _INJECTION.search(text) is not None


def leaks_prompt(answer: str, prompt: str, *, run: int = 8) -> bool:
    """Whether `answer` contains any `run` consecutive words of `prompt` (case-insensitive)."""
    prompt_words = re.findall(r"\w+", prompt.lower())
    answer_text = " ".join(re.findall(r"\w+", answer.lower()))
    if len(prompt_words) < run:
        return False
    return any(" ".join(prompt_words[i : i + run]) in answer_text for i in range(len(prompt_words) - run + 1))
