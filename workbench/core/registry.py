"""A timm-style registry of studies and views.

Theme packages declare studies in ``workbench/<theme>/studies.py`` with :func:`register_study` and views in
``workbench/<theme>/views.py`` with :func:`register_view`; the registry finds those modules by walking the
``workbench`` package, so ``core`` never names a theme.
"""

from __future__ import annotations

import fnmatch
import importlib
import pkgutil
from pathlib import Path

from workbench.core.study import Study
from workbench.core.views import View

_STUDIES: dict[str, Study] = {}
_VIEWS: dict[str, View] = {}
_DISCOVERED: set[str] = set()


def register_study(study: Study, *, replace: bool = False) -> Study:
    """Add ``study`` to the registry and return it.

    Raises
    ------
    ValueError
        If another study already has that name and ``replace`` is false.
    """
    existing = _STUDIES.get(study.name)
    if existing is not None and existing is not study and not replace:
        raise ValueError(f"a study named {study.name!r} is already registered (theme {existing.theme!r})")
    _STUDIES[study.name] = study
    return study


def register_view(view: View, *, replace: bool = False) -> View:
    """Add ``view`` to the registry and return it (``ValueError`` for a second view of the same name)."""
    existing = _VIEWS.get(view.name)
    if existing is not None and existing is not view and not replace:
        raise ValueError(f"a view named {view.name!r} is already registered (theme {existing.theme!r})")
    _VIEWS[view.name] = view
    return view


def theme_modules(module: str) -> list[str]:
    """Import names ``workbench.<theme>.<module>`` of every theme package that has such a module."""
    import workbench

    root = Path(workbench.__path__[0])
    names = []
    for info in pkgutil.iter_modules(workbench.__path__):
        if not info.ispkg or info.name in ("core", "ui", "viz"):
            continue
        if (root / info.name / f"{module}.py").is_file():
            names.append(f"workbench.{info.name}.{module}")
    return sorted(names)


def discover(module: str = "studies") -> None:
    """Import every ``workbench.<theme>.<module>`` once (``"studies"`` or ``"views"``) so its entries register."""
    if module in _DISCOVERED:
        return
    for name in theme_modules(module):
        importlib.import_module(name)
    _DISCOVERED.add(module)


def list_studies(pattern: str = "*", *, theme: str | None = None) -> list[str]:
    """Sorted names of registered studies matching the glob ``pattern`` (and ``theme`` when given)."""
    discover()
    return sorted(
        name
        for name, study in _STUDIES.items()
        if fnmatch.fnmatch(name, pattern) and (theme is None or study.theme == theme)
    )


def get_study(name: str) -> Study:
    """The registered study called ``name``.

    Raises
    ------
    KeyError
        Naming the unknown study and listing the registered ones.
    """
    discover()
    try:
        return _STUDIES[name]
    except KeyError:
        raise KeyError(f"no study named {name!r}; registered: {sorted(_STUDIES)}") from None


def list_views(pattern: str = "*", *, theme: str | None = None) -> list[str]:
    """Sorted names of registered views matching the glob ``pattern`` (and ``theme`` when given)."""
    discover("views")
    return sorted(name for name, view in _VIEWS.items()
                  if fnmatch.fnmatch(name, pattern) and (theme is None or view.theme == theme))


def get_view(name: str) -> View:
    """The registered view called ``name``; ``KeyError`` naming it and listing the registered views otherwise."""
    discover("views")
    try:
        return _VIEWS[name]
    except KeyError:
        raise KeyError(f"no view named {name!r}; registered: {sorted(_VIEWS)}") from None
