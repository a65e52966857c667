"""Which survey definitions exist: the built-in library plus the community's own files.

Definitions are registered in the store by content hash when first used, so a changed file
becomes a new version and older responses keep the version they were answered on.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from surveys.definitions import SurveyDefinition, load_definition
from surveys.errors import DefinitionError, DefinitionIssue
from surveys.library import builtin_keys, load_builtin
from surveys.models import SurveyVersion
from surveys.store import Store


class SurveyRegistry:
    def __init__(self, store: Store, languages: Sequence[str], files: Sequence[Path] = ()) -> None:
        self._store = store
        self._languages = list(languages)
        self._files = list(files)
        self._by_version: dict[int, SurveyDefinition] = {}

    def survey_keys(self) -> list[str]:
        return sorted({*builtin_keys(), *(self._load_file(p).key for p in self._files)})

    def load(self, key: str) -> SurveyDefinition:
        """The current definition for ``key``: a community file wins over the built-in one."""
        for path in self._files:
            definition = self._load_file(path)
            if definition.key == key:
                return definition
        if key in builtin_keys():
            return load_builtin(key, self._languages)
        available = ", ".join(self.survey_keys())
        raise DefinitionError(
            [DefinitionIssue(key, None, None, f"no survey {key!r} (available: {available})")]
        )

    async def register(self, key: str) -> tuple[SurveyVersion, SurveyDefinition]:
        """Store the current definition of ``key`` (once per content) and return its version."""
        definition = self.load(key)
        version = await self._store.surveys.register(
            definition.key, definition.content_hash, definition.canonical_json()
        )
        self._by_version[version.id] = definition
        return version, definition

    async def definition(self, version_id: int) -> SurveyDefinition:
        """The exact definition a response was answered on (cached; versions never change)."""
        cached = self._by_version.get(version_id)
        if cached is None:
            version = await self._store.surveys.version(version_id)
            cached = SurveyDefinition.from_stored(version.definition_json)
            self._by_version[version_id] = cached
        return cached

    def _load_file(self, path: Path) -> SurveyDefinition:
        return load_definition(path, self._languages)
