"""Sphinx configuration: the site ``make docs`` builds offline into docs/_build/html.

numpydoc renders the docstrings, myst-parser the Markdown pages, sphinx-gallery runs
the scripts in examples/ (on the embedded default model) and puts their output and
figures on their pages. Cross-references to scikit-learn, sktime, numpy, pandas and
Python resolve through inventories stored in docs/_intersphinx (the build has no
network; ``python docs/_intersphinx/make_inventories.py`` writes them from the
installed packages).
"""

import os
import warnings
from pathlib import Path

import llmiso

HERE = Path(__file__).parent
project = "llmiso"
author = "the llmiso developers"
copyright = "2026, the llmiso developers"
release = version = llmiso.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_intersphinx", "README.md", "sg_execution_times.rst",
                    "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip", "**.codeobj.json"]
templates_path = ["_templates"]
# Every reference must resolve (CI builds with -W): a broken one fails the build.
nitpicky = True
# sphinx-gallery's configuration holds the image scraper below (a function), which
# Sphinx cannot pickle for its incremental cache: the build is always whole here.
suppress_warnings = ["config.cache"]

# The API pages: one per public name (api.rst lists them; a test checks the list).
autosummary_generate = True
autodoc_typehints = "none"  # the numpydoc sections say the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()

# Markdown pages: headings get anchors, as GitHub gives them (the pages link to them).
myst_heading_anchors = 4
myst_enable_extensions = ["dollarmath"]

intersphinx_mapping = {
    name: (url, str(HERE / "_intersphinx" / f"{name}.inv"))
    for name, url in {
        "python": "https://docs.python.org/3/",
        "numpy": "https://numpy.org/doc/stable/",
        "pandas": "https://pandas.pydata.org/docs/",
        "sklearn": "https://scikit-learn.org/stable/",
        "sktime": "https://www.sktime.net/en/stable/",
    }.items()
}
intersphinx_timeout = 1  # offline: the inventories are local files

_SHOWN = {}


def figures_in_namespace(block, block_vars, gallery_conf):
    """sphinx-gallery image scraper: every matplotlib Figure an example holds in a
    variable and has not shown yet. llmiso draws on Figures without pyplot (no
    global state), which sphinx-gallery's own scraper, reading pyplot's figures,
    would not see."""
    from matplotlib.figure import Figure
    from sphinx_gallery.scrapers import figure_rst

    shown = _SHOWN.setdefault(block_vars["src_file"], set())
    paths = []
    for value in list(block_vars["example_globals"].values()):
        if isinstance(value, Figure) and id(value) not in shown:
            shown.add(id(value))
            path = next(block_vars["image_path_iterator"])
            value.savefig(path, dpi=96)
            paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])


sphinx_gallery_conf = {
    "image_scrapers": (figures_in_namespace,),
    "examples_dirs": str(HERE.parent / "examples"),
    "gallery_dirs": str(HERE / "auto_examples"),
    "filename_pattern": r"/plot_",  # every example runs
    "ignore_pattern": r"__init__\.py|_common\.py",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "plot_gallery": os.environ.get("LLMISO_DOCS_PLOT", "True"),
    "abort_on_example_error": True,
    "doc_module": ("llmiso",),
    "backreferences_dir": None,
    "show_memory": False,
    "min_reported_time": 0,
}

html_theme = "pydata_sphinx_theme"
html_title = "llmiso"
html_static_path = ["_static"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"**": ["sidebar-nav-bs"]}
html_show_sourcelink = False

warnings.filterwarnings("ignore", category=FutureWarning)  # sktime's notices, in examples



def _skip_foreign_members(app, what, name, obj, skip, options):
    """Document the methods llmiso defines (its mixins' included), not those its classes
    inherit from scikit-learn or sktime (their pages are linked), nor sklearn's
    generated ``set_*_request`` methods."""
    if what != "class":
        return skip
    module = getattr(getattr(obj, "__func__", obj), "__module__", "") or ""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return skip or not module.startswith("llmiso")


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)


# api.rst and the constants' pages, from docs/api_reference.py (the list a test checks).
import sys  # noqa: E402

sys.path.insert(0, str(HERE))
from api_reference import render  # noqa: E402

render(HERE)
