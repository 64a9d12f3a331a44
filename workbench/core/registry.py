"""One registry of studies, views and composition stages, filled from the theme manifests.

Each theme's manifest (:class:`~workbench.core.manifest.ThemeManifest`) lists its studies, views and stages; the
registry imports the modules of one kind the first time that kind is listed or looked up, so ``core`` never names a
theme and listing studies imports no view. Within a kind a name means one object (a second is refused); the
registry-looped tests keep names apart across kinds too (``workbench export NAME`` takes a view or a study). An
unknown name raises one error, :class:`UnknownName`. :func:`register_study` and :func:`register_view` add objects
that no manifest declares (a test's or a notebook's own study).
"""

from __future__ import annotations

import fnmatch
from typing import Any

from workbench.core.study import Study
from workbench.core.views import View

#: The kinds the registry holds, each with the manifest field that lists them.
FIELDS = {"study": "studies", "view": "views", "stage": "stages"}

_ENTRIES: dict[str, dict[str, Any]] = {kind: {} for kind in FIELDS}
_FILLED: set[str] = set()


class UnknownName(KeyError):
    """A study, view or stage name that is not registered; the message names the kind and lists what exists.

    Parameters
    ----------
    kind : {"study", "view", "stage"}
    name : str
        The name asked for.
    known : iterable of str
        The registered names of that kind.
    """

    def __init__(self, kind: str, name: str, known) -> None:
        super().__init__(f"no {kind} named {name!r}; registered: {sorted(known)}")
        self.kind = kind
        self.name = name

    def __str__(self) -> str:
        return self.args[0]


def register(kind: str, entry: Any, *, replace: bool = False) -> Any:
    """Add ``entry`` (a study, view or stage, as ``kind`` says) to the registry and return it.

    Raises
    ------
    ValueError
        For a second entry of the same kind and name (unless ``replace``). Stage knobs need no check across
        stages: core qualifies them by the stage's name (:func:`workbench.core.stages.composed_knobs`).
    """
    table = _ENTRIES[kind]
    existing = table.get(entry.name)
    if existing is not None and existing is not entry and not replace:
        raise ValueError(f"a {kind} named {entry.name!r} is already registered (theme {existing.theme!r})")
    table[entry.name] = entry
    return entry


def entries(kind: str) -> dict[str, Any]:
    """Every registered entry of ``kind`` by name, after importing what the manifests declare of that kind.

    Raises
    ------
    ValueError
        When a manifest declares an object of another theme.
    """
    if kind not in _FILLED:
        from workbench.core.manifest import list_manifests, resolve

        for manifest in list_manifests():
            for ref in getattr(manifest, FIELDS[kind]):
                entry = resolve(ref)
                if entry.theme != manifest.theme:
                    raise ValueError(f"theme {manifest.theme!r} declares {ref} of theme {entry.theme!r}")
                register(kind, entry)
        _FILLED.add(kind)
    return _ENTRIES[kind]


def lookup(kind: str, name: str) -> Any:
    """The registered ``kind`` called ``name``; :class:`UnknownName` otherwise."""
    table = entries(kind)
    if name not in table:
        raise UnknownName(kind, name, table)
    return table[name]


def register_study(study: Study, *, replace: bool = False) -> Study:
    """Add a study no manifest declares; ``ValueError`` for a second study of the same name."""
    return register("study", study, replace=replace)


def register_view(view: View, *, replace: bool = False) -> View:
    """Add a view no manifest declares; ``ValueError`` for a second view of the same name."""
    return register("view", view, replace=replace)


def _names(kind: str, pattern: str, theme: str | None) -> list[str]:
    return sorted(name for name, entry in entries(kind).items()
                  if fnmatch.fnmatch(name, pattern) and (theme is None or entry.theme == theme))


def list_studies(pattern: str = "*", *, theme: str | None = None) -> list[str]:
    """Sorted names of registered studies matching the glob ``pattern`` (and ``theme`` when given)."""
    return _names("study", pattern, theme)


def get_study(name: str) -> Study:
    """The registered study called ``name``; :class:`UnknownName` listing the registered studies otherwise."""
    return lookup("study", name)


def list_views(pattern: str = "*", *, theme: str | None = None) -> list[str]:
    """Sorted names of registered views matching the glob ``pattern`` (and ``theme`` when given)."""
    return _names("view", pattern, theme)


def get_view(name: str) -> View:
    """The registered view called ``name``; :class:`UnknownName` listing the registered views otherwise."""
    return lookup("view", name)
