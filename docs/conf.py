"""Sphinx configuration: pydata-sphinx-theme, the notebooks through MyST-NB, API pages from numpydoc docstrings.

The teaching notebooks live in ``notebooks/``; at configuration time they are
copied into ``docs/notebooks/`` (git-ignored) and MyST-NB executes them once,
caching the results in ``docs/_build/.jupyter_cache`` (keyed by the code
cells: an unchanged notebook is not re-executed). A failing cell fails the
build. The explorer's static small multiples and the gallery thumbnails are
written to ``docs/_generated/`` (git-ignored) by this file.
"""

import base64
import importlib.util
import shutil
from pathlib import Path

import nbformat

HERE = Path(__file__).parent
ROOT = HERE.parent
GENERATED = HERE / "_generated"

project = "bayes_sparse"
author = "bayes_sparse developers"
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "myst_nb",
    "sphinx_design",
]
napoleon_google_docstring = False
napoleon_numpy_docstring = True
autodoc_member_order = "bysource"
autodoc_typehints = "none"
exclude_patterns = ["_build", "_generated", "**.ipynb_checkpoints"]
suppress_warnings = ["ref.python"]

html_theme = "pydata_sphinx_theme"
html_title = "bayes_sparse"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}

# MyST-NB: execute each notebook once per change, fail the build on any error.
nb_execution_mode = "cache"
nb_execution_cache_path = str(HERE / "_build" / ".jupyter_cache")
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 600
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]


def _copy_notebooks():
    """notebooks/*.ipynb -> docs/notebooks/ (only when changed, so the cache and timestamps stay)."""
    target = HERE / "notebooks"
    target.mkdir(exist_ok=True)
    names = set()
    for src in sorted((ROOT / "notebooks").glob("*.ipynb")):
        dst = target / src.name
        names.add(src.name)
        if not dst.exists() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)
    for old in target.glob("*.ipynb"):
        if old.name not in names:
            old.unlink()


def _thumbnails():
    """First image output of each committed notebook -> _generated/thumbs/<name>.png (for the gallery)."""
    out = GENERATED / "thumbs"
    out.mkdir(parents=True, exist_ok=True)
    for src in sorted((ROOT / "notebooks").glob("*.ipynb")):
        book = nbformat.read(src, as_version=4)
        for cell in book.cells:
            images = [o["data"]["image/png"] for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
            if images:
                (out / f"{src.stem}.png").write_bytes(base64.b64decode(images[0]))
                break


def _explorer_figures():
    """The explorer's static small multiples for the teaching page."""
    from bayes_sparse import teach

    out = GENERATED / "explorer"
    out.mkdir(parents=True, exist_ok=True)
    figures = {
        "laplace_1d": teach.small_multiples("laplace", lams=(0.25, 1.0, 2.0, 4.0), z=1.5),
        "gaussian_1d": teach.small_multiples("gaussian", lams=(0.25, 1.0, 2.0, 4.0), z=1.5),
        "horseshoe_1d": teach.small_multiples("horseshoe", lams=(0.25, 1.0, 2.0, 4.0), z=1.5),
        "laplace_2d": teach.small_multiples("laplace", dim=2, lams=(2.0, 20.0, 60.0)),
        "gaussian_2d": teach.small_multiples("gaussian", dim=2, lams=(2.0, 20.0, 60.0)),
        "rules": teach.explore_figure("laplace", lam=1.0, sigma=1.0, z=1.5),
    }
    for name, fig in figures.items():
        fig.savefig(out / f"{name}.png", dpi=90)


def _sampler_api():
    """API entries for the Gibbs kernels, wherever the package keeps them."""
    GENERATED.mkdir(exist_ok=True)
    if importlib.util.find_spec("bayes_sparse.samplers") is not None:
        mods = [m for m in ("laplace", "gaussian", "horseshoe") if importlib.util.find_spec(f"bayes_sparse.samplers.{m}")]
        text = "".join(f".. automodule:: bayes_sparse.samplers.{m}\n   :members:\n\n" for m in mods)
    else:
        text = ".. automodule:: bayes_sparse.gibbs\n   :members: laplace_kernel, gaussian_kernel, horseshoe_kernel\n"
    path = GENERATED / "api_samplers.rst.inc"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


_copy_notebooks()
_thumbnails()
_explorer_figures()
_sampler_api()
