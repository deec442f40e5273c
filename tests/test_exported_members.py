"""The public API is exactly ``lawsearch.__all__``: sorted, every name importable, nothing private."""

from __future__ import annotations

import lawsearch


def test_all_is_sorted_and_complete() -> None:
    assert lawsearch.__all__ == sorted(lawsearch.__all__)
    public = {name for name in vars(lawsearch) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(lawsearch, name)).__name__ == "module"}
    assert set(lawsearch.__all__) - {"__version__"} == public - modules


def test_exported_errors_share_one_root() -> None:
    errors = [getattr(lawsearch, name) for name in lawsearch.__all__ if name.endswith("Error")]
    assert errors and all(issubclass(error, lawsearch.LawsearchError) for error in errors)
