"""The public API is exactly ``lawsearch.__all__``: sorted, every name importable, nothing private.

The package imports its names at their first use (``lawsearch.__getattr__``), so these tests also check that
importing the package or its command line pulls in nothing
it does not need.
"""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys

import pytest

import lawsearch


def test_all_is_sorted_and_complete() -> None:
    assert lawsearch.__all__ == sorted(lawsearch.__all__)
    public = {name for name in dir(lawsearch) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(lawsearch, name)).__name__ == "module"}
    assert set(lawsearch.__all__) - {"__version__"} == public - modules


def test_the_type_checkers_imports_are_the_lazy_table() -> None:
    """``if TYPE_CHECKING:`` imports what ``_EXPORTS`` loads lazily, name for name and module for module."""
    (block,) = (node for node in ast.parse(inspect.getsource(lawsearch)).body if isinstance(node, ast.If))
    imported = {
        alias.name: node.module for node in block.body if isinstance(node, ast.ImportFrom) for alias in node.names
    }
    assert imported == lawsearch._EXPORTS


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Serach'"):
        lawsearch.Serach  # noqa: B018


def _imported_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_importing_the_package_loads_nothing_heavy() -> None:
    loaded = _imported_after("import lawsearch")
    assert not {"numpy", "whoosh", "jieba", "lawsearch.index"} & loaded
    loaded = _imported_after("from lawsearch import fold")
    assert "lawsearch.analysis" in loaded and "lawsearch.index" not in loaded


def test_ctrl_c_while_the_command_line_loads_exits_130(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """Ctrl-C during the command's imports: status 130 and an empty line, no traceback."""
    import lawsearch.__main__ as entry

    class Interrupting:
        @staticmethod
        def find_spec(name: str, path: object = None, target: object = None) -> None:
            if name == "lawsearch.cli":
                raise KeyboardInterrupt
            return None

    monkeypatch.delitem(sys.modules, "lawsearch.cli", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Interrupting(), *sys.meta_path])
    assert entry.main() == 130
    assert capsys.readouterr().err == "\n"


def test_exported_errors_share_one_root() -> None:
    errors = [getattr(lawsearch, name) for name in lawsearch.__all__ if name.endswith("Error")]
    assert errors and all(issubclass(error, lawsearch.LawsearchError) for error in errors)
