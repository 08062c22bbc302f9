"""A scripted `Asker` for `env init`: answers from a list, records every question."""

from __future__ import annotations

from dataclasses import dataclass, field


class OutOfAnswers(AssertionError):
    """The workflow asked more than the script answers."""


@dataclass
class ScriptedAsker:
    answers: list[str]
    confirms: list[bool] = field(default_factory=list)
    asked: list[tuple[str, str | None, bool]] = field(default_factory=list)  # (prompt, default, secret)
    told: list[str] = field(default_factory=list)
    previews: list[str] = field(default_factory=list)

    def ask(self, prompt: str, *, default: str | None = None, secret: bool = False) -> str:
        self.asked.append((prompt, default, secret))
        if not self.answers:
            raise OutOfAnswers(f"no answer left for {prompt!r}")
        answer = self.answers.pop(0)
        return default if answer == "" and default is not None else answer

    def confirm(self, prompt: str, *, default: bool, preview: str = "") -> bool:
        self.previews.append(preview)
        if not self.confirms:
            raise OutOfAnswers(f"no answer left for {prompt!r}")
        return self.confirms.pop(0)

    def tell(self, message: str) -> None:
        self.told.append(message)
