"""Grounded answers: retrieve passages, decide whether they can answer, let the model write from them only, and
check what it wrote before the customer sees it.

The model's text is streamed sentence by sentence: each sentence is held until it is complete, then checked
(grounding.py: numbers must be in a source, most words in the cited passage) and sent only if it passes, with a
citation added when the model forgot one. So the customer never sees an invented price that a later check removes.
When retrieval finds nothing close enough (similarity below `min_similarity`), the model says NO_ANSWER, or nothing
it wrote survives the checks, the assistant says it does not know and offers a person. Without a model
(`gateway.is_available` false, or the model busy or failing) it answers with the best passages themselves.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from rapport.ai.gateway import Gateway
from rapport.ai.providers import ChatMessage
from rapport.ai.rag.tokens import content_words
from rapport.assistant import guard, prompts
from rapport.assistant.grounding import check_sentence, citations_in, sentences, strip_citations
from rapport.assistant.index import KnowledgeIndex, Source
from rapport.assistant.language import LANGUAGE_NAMES
from rapport.assistant.settings import AssistantSettings
from rapport.errors import RapportError

log = logging.getLogger(__name__)
FEATURE: Final = "assistant"
PASSAGE_CHARS: Final = 600
MAX_SENTENCES: Final = 6

TEXTS: Final = {
    "en": {
        "abstain": "I'm sorry, I don't know the answer to that. Would you like me to connect you with a person from "
        "our team?",
        "found": "Here is what our help articles say:",
        "offer": "If this doesn't answer your question, I can connect you with a person from our team.",
        "records": "Here is what I found in your account:",
        "no_order": "I couldn't find order {number} among the orders on your account. Please check the number, or ask "
        "for a person and we'll look into it.",
        "no_records": "I couldn't find any orders or tickets on your account.",
        "verify": "To look up your orders I first need to confirm who you are: please enter your email address and an "
        "order number in the form below.",
        "handoff": "I've passed our conversation to our team (ticket #{ticket}). A person will reply here as soon as "
        "possible; if you close this window, we'll answer by email.",
        "contact": "I'll connect you with a person from our team. Please leave your email address so they can reach "
        "you.",
        "queued": "Thanks, your message is with our team.",
    },
    "zh": {
        "abstain": "抱歉，这个问题我无法确定答案。需要为您转接人工客服吗？",
        "found": "以下是帮助文章中的相关内容：",
        "offer": "如果没有解决您的问题，我可以为您转接人工客服。",
        "records": "以下是您账户中的信息：",
        "no_order": "在您的账户中没有找到订单 {number}。请核对订单号，或者转接人工客服为您查询。",
        "no_records": "您的账户中没有找到订单或工单。",
        "verify": "查询订单前需要先确认您的身份：请在下方填写您的邮箱和一个订单号。",
        "handoff": "已为您转接人工客服（工单 #{ticket}）。客服人员会尽快在这里回复您；"
        "如果您关闭窗口，我们会通过邮件回复。",
        "contact": "我来为您转接人工客服。请留下您的邮箱，方便客服联系您。",
        "queued": "谢谢，您的消息已转给客服人员。",
    },
}


def text_for(language: str, key: str, **values: str | int) -> str:
    return TEXTS.get(language, TEXTS["en"])[key].format(**values)


@dataclass(frozen=True)
class Turn:
    role: str  # customer | assistant | agent
    text: str


@dataclass(frozen=True)
class Record:
    """A fact from the customer's own records, already fetched through a bound tool."""

    label: str  # "Order 10023"
    text: str


@dataclass(frozen=True)
class Citation:
    n: int
    kind: str  # article | record
    title: str
    heading: str = ""
    url: str | None = None
    article_id: int | None = None
    version: int | None = None
    snippet: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "kind": self.kind,
            "title": self.title,
            "heading": self.heading,
            "url": self.url,
            "article_id": self.article_id,
            "version": self.version,
            "snippet": self.snippet,
        }


@dataclass
class Answer:
    text: str
    citations: list[Citation] = field(default_factory=list)
    is_abstained: bool = False
    is_generated: bool = False
    confidence: float = 0.0
    offers_handoff: bool = False
    needs_verification: bool = False
    model_text: str = ""  # what the model wrote, before the checks (kept for evaluation and logs)
    abstain_reason: str | None = None  # low_similarity | unsupported


@dataclass(frozen=True)
class Retrieved:
    sources: list[Source]
    confidence: float  # the best passage's cosine similarity (or a keyword proxy without an embedder)

    def is_confident(self, settings: AssistantSettings) -> bool:
        return bool(self.sources) and self.confidence >= settings.min_similarity


def retrieve(index: KnowledgeIndex, query: str, *, language: str, k: int) -> Retrieved:
    hits = index.search(query, k=k, language=language)
    if not hits:
        return Retrieved([], 0.0)
    best = hits[0]
    if best.similarity is not None:
        confidence = max(h.similarity or 0.0 for h in hits[:2])
    else:
        confidence = 1.0 if best.bm25 >= 3.0 else best.bm25 / 3.0  # keywords only: several rare words matched
    return Retrieved([KnowledgeIndex.source(h) for h in hits], confidence)


def passage_text(source: Source) -> str:
    return f"{source.heading}\n{source.text[:PASSAGE_CHARS]}"


def article_url(source: Source) -> str:
    return f"/kb/{source.slug}"


class Answerer:
    def __init__(self, gateway: Gateway | None, settings: AssistantSettings) -> None:
        self.gateway = gateway
        self.settings = settings

    def system_prompt(self, language: str) -> str:
        return prompts.load("answer.v2").format(
            company=self.settings.company_name, language=LANGUAGE_NAMES.get(language, "English"), sentences=4
        )

    def messages(
        self,
        question: str,
        language: str,
        sources: Sequence[Source],
        records: Sequence[Record],
        history: Sequence[Turn],
    ) -> list[ChatMessage]:
        parts = ["<passages>"]
        parts += [guard.fence("passage", passage_text(s), id=n, title=s.title) for n, s in enumerate(sources, start=1)]
        parts.append("</passages>")
        if records:
            parts.append(guard.fence("records", "\n".join(f"{r.label}: {r.text}" for r in records)))
        if history:
            lines = [f"{'Customer' if t.role == 'customer' else 'Assistant'}: {t.text}" for t in history]
            parts.append(guard.fence("conversation", "\n".join(lines)))
        parts.append(guard.fence("customer_message", question))
        parts.append(f"Write your reply to the customer in {LANGUAGE_NAMES.get(language, 'English')}, citing passages.")
        return [
            {"role": "system", "content": self.system_prompt(language)},
            {"role": "user", "content": "\n".join(parts)},
        ]

    def stream(
        self,
        question: str,
        *,
        language: str,
        retrieved: Retrieved,
        records: Sequence[Record] = (),
        history: Sequence[Turn] = (),
    ) -> Iterator[str | Answer]:
        """Text deltas as they pass the checks, then the final Answer (always last)."""
        if not records and not retrieved.is_confident(self.settings):
            yield from self._say(self.abstention(language, retrieved.confidence))
            return
        sources = retrieved.sources[: self.settings.passages]
        if self.gateway is None or not self.gateway.is_available(FEATURE):
            yield from self._say(self.extractive(language, sources, records, retrieved.confidence))
            return
        yield from self._generate(question, language, sources, records, history, retrieved.confidence)

    # -- the three ways to answer ---------------------------------------------------------------------------------
    def abstention(
        self, language: str, confidence: float, reason: str = "low_similarity", model_text: str = ""
    ) -> Answer:
        return Answer(
            text=text_for(language, "abstain"),
            is_abstained=True,
            confidence=confidence,
            offers_handoff=True,
            abstain_reason=reason,
            model_text=model_text,
        )

    def extractive(
        self, language: str, sources: Sequence[Source], records: Sequence[Record], confidence: float
    ) -> Answer:
        """The best passages (and records) themselves, cited; what the assistant says without a model."""
        lines: list[str] = []
        citations: list[Citation] = []
        if records:
            lines.append(text_for(language, "records"))
            for record in records:
                citations.append(Citation(len(citations) + 1, "record", record.label, snippet=record.text))
                lines.append(f"{record.text} [{len(citations)}]")
        if sources and not records:
            lines.append(text_for(language, "found"))
            for source in sources[:2]:
                snippet = _snippet(source.text)
                citations.append(article_citation(len(citations) + 1, source))
                lines.append(f"{source.heading.split(' › ')[-1]}: {snippet} [{len(citations)}]")
            lines.append(text_for(language, "offer"))
        return Answer(text="\n".join(lines), citations=citations, confidence=confidence, offers_handoff=not records)

    def from_records(self, language: str, records: Sequence[Record], missing: Sequence[str] = ()) -> Answer:
        """An answer about the customer's own orders and tickets, written from the records without a model: the
        facts (dates, tracking numbers, totals) are quoted exactly, and nothing else is said about them."""
        lines: list[str] = []
        citations: list[Citation] = []
        for number in missing:
            lines.append(text_for(language, "no_order", number=number))
        if records:
            lines.append(text_for(language, "records"))
        for record in records:
            citations.append(Citation(len(citations) + 1, "record", record.label, snippet=record.text))
            lines.append(f"{record.text} [{len(citations)}]")
        if not lines:
            lines.append(text_for(language, "no_records"))
        return Answer(text="\n".join(lines), citations=citations, confidence=1.0, offers_handoff=bool(missing))

    def _generate(
        self,
        question: str,
        language: str,
        sources: Sequence[Source],
        records: Sequence[Record],
        history: Sequence[Turn],
        confidence: float,
    ) -> Iterator[str | Answer]:
        assert self.gateway is not None
        texts = [passage_text(s) for s in sources] + [f"{r.label}: {r.text}" for r in records]
        messages = self.messages(question, language, sources, records, history)
        system = messages[0]["content"]
        kept: list[str] = []
        buffer = ""
        written: list[str] = []
        said_no_answer = False
        try:
            stream = self.gateway.stream(FEATURE, messages, max_tokens=self.settings.answer_max_tokens, timeout_s=None)
            try:
                for chunk in stream:
                    buffer += chunk
                    written.append(chunk)
                    if _starts_like_no_answer(buffer):
                        if "NO_ANSWER" in buffer:
                            said_no_answer = True
                            break
                        continue
                    done = sentences(buffer)
                    if len(done) < 2:
                        continue
                    *complete, buffer = done
                    for sentence in complete:
                        delta = self._keep(sentence, texts, kept, system, question)
                        if delta:
                            yield delta
                    if len(kept) >= MAX_SENTENCES:
                        break
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()  # frees the local model at once when we stop early
        except RapportError as error:
            log.warning("assistant: the model failed mid-answer (%s); answering from the passages", error)
            if not kept:
                yield from self._say(self.extractive(language, sources, records, confidence))
                return
        if not said_no_answer and buffer.strip() and len(kept) < MAX_SENTENCES:
            for sentence in sentences(buffer):
                delta = self._keep(sentence, texts, kept, system, question)
                if delta:
                    yield delta
        if said_no_answer or not kept:
            yield self.abstention(language, confidence, "unsupported", "".join(written))
            return
        text = " ".join(kept)
        cited = sorted({n for sentence in kept for n in citations_in(sentence)})
        citations = []
        for n in cited:
            if n <= len(sources):
                citations.append(article_citation(n, sources[n - 1]))
            elif n - len(sources) <= len(records):
                record = records[n - len(sources) - 1]
                citations.append(Citation(n, "record", record.label, snippet=record.text))
        yield Answer(
            text=text, citations=citations, is_generated=True, confidence=confidence, model_text="".join(written)
        )

    def _keep(self, sentence: str, texts: Sequence[str], kept: list[str], system: str, question: str) -> str | None:
        sentence = _tidy(sentence)
        if not sentence or "NO_ANSWER" in sentence or " › " in sentence or guard.leaks_prompt(sentence, system):
            return None  # " › " is our heading separator: a recited heading path, not an answer
        words = content_words(strip_citations(sentence))
        if not words:
            # A citation or punctuation left alone ("[1]" after "。"): it belongs to the sentence before.
            marks = "".join(f" [{n}]" for n in citations_in(sentence) if 1 <= n <= len(texts))
            if kept and marks and marks.strip() not in kept[-1]:
                kept[-1] += marks
                return marks
            return None
        if words <= content_words(question) or any(words <= content_words(t.split("\n", 1)[0]) for t in texts):
            return None  # the question or a heading said back, which tells the customer nothing
        checked = check_sentence(sentence, texts)
        if not checked.is_kept(self.settings.min_support):
            log.info("assistant: dropped an unsupported sentence %r (%s)", sentence[:120], checked)
            return None
        kept.append(checked.text)
        return checked.text if len(kept) == 1 else " " + checked.text

    @staticmethod
    def _say(answer: Answer) -> Iterator[str | Answer]:
        """A prepared answer, streamed in a few pieces so the widget treats every answer alike."""
        for line in answer.text.split("\n"):
            yield line + "\n"
        yield answer


# Small models narrate ("The passage states that …", "The customer is asking …"); the customer needs the fact only.
_NARRATION = re.compile(
    r"^(?:\[\d{1,2}\]\s*)*(?:according to (?:the )?passages?(?: \[?\d\]?)?,?\s*|(?:the )?passages? (?:\[?\d\]? )?"
    r"(?:states?|says?|mentions?|explains?)(?: that)?\s*|based on (?:the )?(?:information|passages?)[^,]*,\s*)",
    re.IGNORECASE,
)
_ABOUT_THE_CUSTOMER = re.compile(
    r"^(?:\[\d{1,2}\]\s*)*the customer(?:'s)? (?:is asking|asks|message|also|wants|has)", re.I
)


def _tidy(sentence: str) -> str:
    """A generated sentence without narration; empty when it only talks about the customer or the passages."""
    if _ABOUT_THE_CUSTOMER.match(sentence):
        return ""
    tidied = _NARRATION.sub("", sentence).strip().strip('"“”')
    return tidied[:1].upper() + tidied[1:] if tidied and tidied[0].isascii() else tidied


def _starts_like_no_answer(buffer: str) -> bool:
    """Whether the text so far could still be (or is) the NO_ANSWER signal; such text is never shown."""
    head = buffer.lstrip()[:9]
    return "NO_ANSWER".startswith(head)


def _snippet(text: str, limit: int = 280) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit] + " …"


def article_citation(n: int, source: Source) -> Citation:
    return Citation(
        n=n,
        kind="article",
        title=source.title,
        heading=source.heading,
        url=article_url(source),
        article_id=source.article_id,
        version=source.version,
        snippet=_snippet(source.text, 200),
    )
