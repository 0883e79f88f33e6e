"""YAML with positions: the data, and the line of every mapping key and sequence item, so
problems can be reported as ``file:line``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pilotage.errors import InputError

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class PositionedYaml:
    file: Path
    data: Any
    lines: dict[Path_, int]

    def line(self, path: Path_) -> int:
        """The line of ``path`` or of its closest ancestor that has one (1-based)."""
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.lines:
                return self.lines[path[:cut]]
        return 1


def load_positioned(file: Path) -> PositionedYaml:
    text = file.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file}:{mark.line + 1}" if mark is not None else str(file)
        raise InputError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}",
                         hint="check the indentation and the quotes around values "
                              "containing ':' or '#'") from None
    lines: dict[Path_, int] = {}

    def walk(n: yaml.Node | None, path: Path_) -> None:
        if n is None:
            return
        lines.setdefault(path, n.start_mark.line + 1)
        if isinstance(n, yaml.MappingNode):
            for key, value in n.value:
                child = (*path, str(key.value))
                lines[child] = key.start_mark.line + 1
                walk(value, child)
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                lines[(*path, i)] = item.start_mark.line + 1
                walk(item, (*path, i))

    walk(node, ())
    return PositionedYaml(file, data if data is not None else {}, lines)
