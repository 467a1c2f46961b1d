"""DeadlineLlama: llama-cpp-python's Llama, able to stop generating at a deadline; imported only when a model loads.

llama-cpp-python has no cancel. A logits processor cannot stop it either: it runs inside a ctypes sampler callback,
whose exceptions are printed and swallowed. A stopping criterion is plain Python, checked after every sampled token,
but `create_chat_completion` takes none; the chat handlers do pass one to `create_completion`, so this subclass adds
its deadline there. `deadline_passed` tells the provider that the answer ended because time ran out.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from llama_cpp import Llama, StoppingCriteriaList

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


class DeadlineLlama(Llama):
    deadline: float = math.inf  # time.monotonic() value; set per request, under the provider's lock
    deadline_passed: bool = False

    def start_request(self, deadline: float) -> None:
        self.deadline = deadline
        self.deadline_passed = False

    def create_completion(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["stopping_criteria"] = StoppingCriteriaList(
            [self._is_past_deadline, *(kwargs.get("stopping_criteria") or [])]
        )
        return super().create_completion(*args, **kwargs)

    def _is_past_deadline(self, input_ids: npt.NDArray[np.intc], logits: npt.NDArray[np.single]) -> bool:
        if time.monotonic() >= self.deadline:
            self.deadline_passed = True
        return self.deadline_passed
