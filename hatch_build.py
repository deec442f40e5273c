"""Build hook: compile ``lawsearch/_speedups.c`` when this machine can, else build the pure-Python package.

The extension is an accelerator, not a requirement: ``lawsearch.highlight`` and ``lawsearch.ranking`` run the
same algorithms in Python when it is missing (``lawsearch.compiled.COMPILED`` says which runs). A wheel with it
is tagged for this interpreter and platform; an editable install gets it beside the sources.
``LAWSEARCH_NO_EXTENSION=1`` skips the compiler.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = "lawsearch/_speedups.c"


class SpeedupsBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or os.environ.get("LAWSEARCH_NO_EXTENSION") == "1":
            return
        name = "lawsearch/_speedups" + sysconfig.get_config_var("EXT_SUFFIX")
        root = Path(self.root)
        if version == "editable":  # the editable package imports from the sources: the module goes there
            if _compile(root, root):
                build_data["pure_python"], build_data["infer_tag"] = False, True
            return
        self._build_dir = tempfile.TemporaryDirectory()  # kept until the wheel is written
        if _compile(root, Path(self._build_dir.name)):
            build_data["force_include"][str(Path(self._build_dir.name) / name)] = name
            build_data["pure_python"], build_data["infer_tag"] = False, True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        build_dir = getattr(self, "_build_dir", None)
        if build_dir is not None:
            build_dir.cleanup()


def _compile(root: Path, out: Path) -> bool:
    """Compile the extension into ``out`` (as ``lawsearch/_speedups<EXT_SUFFIX>``) with setuptools' compiler
    setup for this interpreter; on failure say why and go on without it."""
    try:
        from setuptools import Distribution, Extension

        extension = Extension("lawsearch._speedups", [SOURCE], extra_compile_args=_flags())
        distribution = Distribution({"name": "lawsearch", "ext_modules": [extension], "script_name": "hatch_build.py"})
        command = distribution.get_command_obj("build_ext")
        command.build_lib = str(out)
        cwd = os.getcwd()
        with tempfile.TemporaryDirectory(prefix="lawsearch-build-") as objects:
            command.build_temp = objects
            os.chdir(root)  # setuptools resolves the source path from the working directory
            try:
                command.ensure_finalized()
                command.run()
            finally:
                os.chdir(cwd)
    except Exception as exc:  # no compiler, no headers, …: the Python fallback runs instead
        print(f"lawsearch: not compiling {SOURCE} ({exc}); its loops run in Python", file=sys.stderr)
        return False
    return True


def _flags() -> list[str]:
    # no fused multiply-add: add_postings must round each product as numpy does, to give the same floats
    return [] if sys.platform == "win32" else ["-O2", "-ffp-contract=off"]
