"""The teaching notebooks execute in a fresh kernel and show their figures.

Each notebook is committed *with* its outputs (so GitHub and the docs show the
figures; regenerate with ``python notebooks/make_notebooks.py``). The test
executes a copy in a fresh kernel (nbclient, the default inline backend) and
asserts that no cell errors and that at least :data:`MIN_FIGURES` image
outputs come out, printing the count per notebook.
"""

from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))
#: Every notebook teaches with figures: at least this many image outputs each.
MIN_FIGURES = 2
IMAGE_TYPES = ("image/png", "image/svg+xml", "image/jpeg")


def count_images(book):
    return sum(
        any(t in out.get("data", {}) for t in IMAGE_TYPES)
        for cell in book.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )


def errors(book):
    return [
        (i, out.get("ename"), out.get("evalue"))
        for i, cell in enumerate(book.cells)
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]


#: Notebooks that sample until converged at a few thousand features (minutes): run with ``-m slow``.
SLOW = {"07_disease_vs_healthy"}


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, marks=pytest.mark.slow) if p.stem in SLOW else p for p in NOTEBOOKS],
    ids=[p.stem for p in NOTEBOOKS],
)
def test_notebook_executes_with_figures(path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    committed = nbformat.read(path, as_version=4)
    assert count_images(committed) >= MIN_FIGURES, (
        f"{path.name} is committed without its figures: run notebooks/make_notebooks.py"
    )
    sources = "\n".join(c.source for c in committed.cells if c.cell_type == "code")
    assert "matplotlib.use" not in sources and "%matplotlib" not in sources, "no backend switching in notebooks"

    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    client = nbclient.NotebookClient(
        book, timeout=600, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    n_images = count_images(book)
    print(f"{path.name}: {n_images} image outputs (committed: {count_images(committed)})")
    assert errors(book) == []
    assert n_images >= MIN_FIGURES


def test_there_are_seven_notebooks():
    assert [p.stem[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06", "07"]
