"""Sphinx configuration of the iqmodel documentation.

Build from the repository root (warnings are errors)::

    pip install -e '.[docs]'
    sphinx-build -W -b html docs docs/_build/html

``-D plot_gallery=0`` skips running the gallery scripts (the pages then show their code only).
Environment: ``IQMODEL_DOCS_INTERSPHINX=0`` builds without trying to download the intersphinx
inventories (see :func:`_intersphinx_mapping`).

Generated at build time (all git-ignored): ``api/generated/`` (one page per public module, one
autosummary stub per public object, the sphinx-gallery back-references), ``auto_examples/``
and ``sg_execution_times.rst`` (the gallery), ``_build/``.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import pkgutil
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
if str(ROOT) not in sys.path:  # the checkout itself, also when it is not installed
    sys.path.insert(0, str(ROOT))

import iqmodel  # noqa: E402

# -- project ---------------------------------------------------------------------------------

project = "iqmodel"
author = "iqmodel developers"
copyright = "iqmodel developers (MIT license)"
release = iqmodel.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
pygments_style = "sphinx"

# -- HTML ------------------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"iqmodel {release}"
html_theme_options = {
    "logo": {"text": "iqmodel"},
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 7,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_show_sourcelink = True

# -- Markdown (MyST) -------------------------------------------------------------------------

myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3

# -- autodoc, autosummary, numpydoc ----------------------------------------------------------

autosummary_generate = True
autosummary_imported_members = False
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc Parameters sections say the types

numpydoc_show_class_members = False  # the class template documents the members
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- sphinx-gallery --------------------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # only the plot_*.py scripts are gallery examples: they run on bundled data in seconds;
    # the other scripts of examples/ are command-line programs (some read ../shared/data)
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"^(?!plot_)",  # matched against the file name
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("iqmodel",),
    "backreferences_dir": "api/generated/backreferences",
    "prefer_full_module": {r"iqmodel\..*"},
    "remove_config_comments": True,
    "download_all_examples": False,
    "min_reported_time": 1,
    "show_memory": False,
    "capture_repr": ("_repr_html_", "__repr__"),
    "image_scrapers": ("matplotlib",),
}

# -- intersphinx -----------------------------------------------------------------------------

_INVENTORIES = {
    "python": "https://docs.python.org/3/",
    "numpy": "https://numpy.org/doc/stable/",
    "pandas": "https://pandas.pydata.org/docs/",
    "sklearn": "https://scikit-learn.org/stable/",
    "dask": "https://docs.dask.org/en/stable/",
    "matplotlib": "https://matplotlib.org/stable/",
}


def _intersphinx_mapping() -> dict:
    """Intersphinx mappings for the inventories that could be downloaded, read from local copies.

    Sphinx warns (an error under ``-W``) when a mapped inventory cannot be fetched, and the
    build machines have no network. So the inventories are downloaded here, before Sphinx
    sees them, into ``_build/intersphinx/`` (reused for a day), and only the projects whose
    inventory is on disk are mapped, to the local file: offline, the site is built without
    links to the other projects' documentation and without a warning. The first network
    failure stops further attempts. ``IQMODEL_DOCS_INTERSPHINX=0`` skips the network.
    """
    cache = DOCS / "_build" / "intersphinx"
    online = os.environ.get("IQMODEL_DOCS_INTERSPHINX", "1") != "0"
    mapping = {}
    for name, url in _INVENTORIES.items():
        path = cache / f"{name}.inv"
        cached = path.is_file() and path.stat().st_size > 0
        if online and not (cached and _age_days(path) < 1):
            try:
                with urllib.request.urlopen(url + "objects.inv", timeout=5) as response:
                    data = response.read()
            except urllib.error.HTTPError:
                pass  # this inventory moved or is missing: map the project only if cached
            except (OSError, ValueError):
                online = False  # offline or blocked: do not wait for the others
            else:
                if data.startswith(b"# Sphinx inventory version"):
                    cache.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
                    cached = True
        if cached:
            mapping[name] = (url, str(path))
    return mapping


def _age_days(path: Path) -> float:
    return (time.time() - path.stat().st_mtime) / 86400


intersphinx_mapping = _intersphinx_mapping()
intersphinx_timeout = 10

# -- API reference: one page per public module -----------------------------------------------

API_DIR = DOCS / "api" / "generated"  # autosummary stubs, one per public object
MODULE_DIR = API_DIR / "modules"  # one page per public module: a module and a function may
# share a name (``iqmodel.plot.iq_plot``), so their pages live in different folders

# Order and grouping of the modules on the API index page; a public module missing here is
# listed under "Other modules", so a new module always gets its page.
API_GROUPS = {
    "The package": ["iqmodel"],
    "Models": [
        "iqmodel.model",
        "iqmodel.multi",
        "iqmodel.pipeline",
        "iqmodel.ablations",
        "iqmodel.parameters",
        "iqmodel.exceptions",
    ],
    "Sequences, motifs and energies": [
        "iqmodel.seq",
        "iqmodel.motifs",
        "iqmodel.energy",
        "iqmodel.normalization",
        "iqmodel.prego",
        "iqmodel.features",
        "iqmodel.additional_features",
        "iqmodel.interactions",
        "iqmodel.glm",
        "iqmodel.metrics",
        "iqmodel.sampling",
    ],
    "Accessibility data and runs": [
        "iqmodel.ap",
        "iqmodel.trajectory",
        "iqmodel.multi_run",
        "iqmodel.config",
        "iqmodel.datasets",
        "iqmodel.data",
        "iqmodel.cli",
    ],
    "Interpretation and variant effects": [
        "iqmodel.interpret",
        "iqmodel.variants",
        "iqmodel.variants.effects",
        "iqmodel.variants.mutagenesis",
        "iqmodel.variants.scoring",
        "iqmodel.variants.caqtl",
    ],
    "Figures": [
        "iqmodel.plot",
        "iqmodel.plot.report",
        "iqmodel.plot.iq_plot",
        "iqmodel.plot.summary",
        "iqmodel.plot.logo",
        "iqmodel.plot.multi",
        "iqmodel.plot.variants",
    ],
    "Input and output": [
        "iqmodel.io",
        "iqmodel.io.motif_files",
        "iqmodel.io.jaspar_releases",
        "iqmodel.io.genome",
        "iqmodel.io.intervals",
        "iqmodel.io.tracks",
        "iqmodel.io.h5ad",
        "iqmodel.io.vcf",
        "iqmodel.io.model_file",
    ],
}


def _public_modules() -> list[str]:
    """Every module of the package without a leading underscore in any part of its name."""
    names = ["iqmodel"]
    for info in pkgutil.walk_packages(iqmodel.__path__, "iqmodel."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def _public_names(module) -> list[str]:
    """``__all__``, or else the names without a leading underscore defined in the module."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not inspect.ismodule(value)
        and getattr(value, "__module__", module.__name__) == module.__name__
    ]


def _kind(value) -> str:
    if inspect.isclass(value):
        return "exception" if issubclass(value, BaseException) else "class"
    if callable(value):
        return "function"
    return "data"


_SECTIONS = {"class": "Classes", "exception": "Exceptions", "function": "Functions", "data": "Data"}


def _api_inventory(module_names: list[str]) -> tuple[dict, dict]:
    """The public names of each module, and the module that documents each object.

    An object exported by several modules (a package re-exports its submodules' names) is
    documented once, in its shortest public module path (``iqmodel.IQModel``, not
    ``iqmodel.model.IQModel``; ``iqmodel.io.read_meme``); between modules of one depth, the
    one that defines it. The other modules link to that page.
    """
    modules = {name: importlib.import_module(name) for name in module_names}
    exported = {name: _public_names(module) for name, module in modules.items()}
    candidates: dict[tuple, list[str]] = {}
    for module_name, names in exported.items():
        for name in names:
            value = getattr(modules[module_name], name)
            candidates.setdefault((name, id(value)), []).append(module_name)
    homes = {}
    for module_name, names in exported.items():
        for name in names:
            value = getattr(modules[module_name], name)
            where = candidates[(name, id(value))]
            defined = getattr(value, "__module__", None) if _kind(value) != "data" else None
            homes[(module_name, name)] = min(where, key=lambda m: (m.count("."), m != defined, m))
    return exported, homes


def _long_value(value) -> bool:
    """Whether autodata should leave the value out (long, or an address that changes)."""
    text = repr(value)
    return len(text) > 80 or " at 0x" in text


def _write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` unless the file holds it already (keeps incremental builds incremental)."""
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)


def _summary(module) -> str:
    """The first paragraph of a module's docstring, on one line."""
    doc = inspect.getdoc(module) or ""
    return " ".join(doc.split("\n\n")[0].split())


def _module_link(name: str, relative: str) -> str:
    """A link to a module's page (``:doc:``: a module can share its name with a function)."""
    return f":doc:`{name} <{relative}{name}>`"


def _generate_api() -> list[str]:
    """Write ``api/generated/modules/<module>.rst`` for every public module, and the tables and
    toctrees of the API index (``api/generated/modules.rst.inc``).

    Returns the full names of the data objects whose values are not shown (see
    :func:`_long_value`).
    """
    module_names = _public_modules()
    exported, homes = _api_inventory(module_names)
    documented = {f"{home}.{name}" for (_, name), home in homes.items()}
    MODULE_DIR.mkdir(parents=True, exist_ok=True)
    long_values = []
    for module_name in module_names:
        module = importlib.import_module(module_name)
        lines = [module_name, "=" * len(module_name), "", f".. automodule:: {module_name}"]
        if module_name in documented:
            # ``iqmodel.plot.report`` is also the function that ``iqmodel.plot`` exports,
            # which owns the name in the index
            lines.append("   :no-index:")
        lines += ["", f".. currentmodule:: {module_name}", ""]
        own: dict[str, list[str]] = {}
        elsewhere = []
        for name in exported[module_name]:
            value = getattr(module, name)
            home = homes[(module_name, name)]
            if home == module_name:
                own.setdefault(_kind(value), []).append(name)
                if _kind(value) == "data" and _long_value(value):
                    long_values.append(f"{module_name}.{name}")
            else:
                elsewhere.append(f"{home}.{name}")
        for kind in ("class", "exception", "function", "data"):
            if own.get(kind):
                title = _SECTIONS[kind]
                lines += [title, "-" * len(title), "", ".. autosummary::", "   :toctree: ..", ""]
                lines += [f"   {name}" for name in own[kind]] + [""]
        submodules = [name for name in module_names if name.rpartition(".")[0] == module_name]
        if submodules:
            lines += ["Submodules", "----------", ""]
            lines += [
                f"- {_module_link(name, '')}: {_summary(importlib.import_module(name))}"
                for name in submodules
            ] + [""]
        if elsewhere:
            title = "Also exported here"
            lines += [title, "-" * len(title), ""]
            lines += ["Documented under the name users import them by.", ""]
            lines += [".. autosummary::", ""] + [f"   ~{name}" for name in elsewhere] + [""]
        if not own and not elsewhere and not submodules:
            lines += ["This module has no public functions, classes or data.", ""]
        _write_if_changed(MODULE_DIR / f"{module_name}.rst", "\n".join(lines))

    grouped = [name for names in API_GROUPS.values() for name in names]
    unknown = sorted(set(grouped) - set(module_names))
    if unknown:
        raise ValueError(f"docs/conf.py API_GROUPS names modules that do not exist: {unknown}")
    groups = dict(API_GROUPS)
    others = [name for name in module_names if name not in grouped]
    if others:
        groups["Other modules"] = others
    index = []
    for title, names in groups.items():
        index += [title, "-" * len(title), "", ".. list-table::", "   :widths: 30 70", ""]
        for name in names:
            link = _module_link(name, "generated/modules/")
            index += [f"   * - {link}", f"     - {_summary(importlib.import_module(name))}"]
        index += ["", ".. toctree::", "   :hidden:", ""]
        index += [f"   generated/modules/{name}" for name in names] + [""]
    _write_if_changed(API_DIR / "modules.rst.inc", "\n".join(index))
    return long_values


autosummary_context = {"iqmodel_long_values": _generate_api()}


def _skip_member(app, what, name, obj, skip, options):
    """Leave out members a class gets from elsewhere: the field accessors of named tuples (the
    class's Attributes section describes the fields) and the methods scikit-learn adds to
    every estimator (``set_fit_request``...), documented by scikit-learn."""
    if what not in ("class", "exception"):
        return None
    doc = getattr(obj, "__doc__", None) or ""
    if doc.startswith("Alias for field number"):
        return True
    function = getattr(obj, "fget", None) or getattr(obj, "__func__", None) or obj
    module = getattr(function, "__module__", None) or ""
    if callable(function) and module and not module.startswith("iqmodel"):
        return True
    return None


# -- the command line: `iqmodel ... --help` at build time -------------------------------------


def _cli_parsers() -> dict[str, argparse.ArgumentParser]:
    """Every parser of the ``iqmodel`` command, by command line (``"iqmodel motifs list"``)."""
    from iqmodel.cli import build_parser

    found = {}

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        found[prefix] = parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{prefix} {name}")

    walk(build_parser(), "iqmodel")
    return found


class CliHelp(SphinxDirective):
    """``.. iqmodel-help:: fit`` shows the output of ``iqmodel fit --help``.

    Without an argument: ``iqmodel --help``. The text comes from the command's own argparse
    parser, at a fixed width of 90 columns.
    """

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = False

    def run(self) -> list:
        command = " ".join(["iqmodel", *(self.arguments[0].split() if self.arguments else [])])
        parsers = _cli_parsers()
        if command not in parsers:
            raise self.error(f"unknown command {command!r}; known: {sorted(parsers)}")
        previous = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = "92"
        try:
            text = parsers[command].format_help()
        finally:
            if previous is None:
                del os.environ["COLUMNS"]
            else:
                os.environ["COLUMNS"] = previous
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


def setup(app):
    app.add_directive("iqmodel-help", CliHelp)
    app.connect("autodoc-skip-member", _skip_member)
