"""Figures without pyplot that still show themselves in notebooks.

The library never touches pyplot's global state or the backend (that is the
user's); a bare ``matplotlib.figure.Figure`` has no display formatter in
IPython until some pyplot figure has activated the inline backend, so every
figure the library makes is a :class:`ShownFigure`, which IPython displays as
PNG by itself (``_repr_png_``).
"""

from __future__ import annotations

import io

__all__ = ["new_figure", "png_bytes"]


def png_bytes(fig, **kwargs) -> bytes:
    """The figure as PNG bytes (``savefig`` keyword arguments; dpi 90 by default)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", **({"dpi": 90} | kwargs))
    return buf.getvalue()


_SHOWN = None


def _shown_class():
    global _SHOWN
    if _SHOWN is None:
        from matplotlib.figure import Figure

        class ShownFigure(Figure):
            """A Figure that IPython shows as PNG by itself (``_repr_png_``)."""

            def _repr_png_(self):
                return png_bytes(self, dpi=100, bbox_inches="tight")

        _SHOWN = ShownFigure
    return _SHOWN


def new_figure(**kwargs):
    """A new figure (``matplotlib.figure.Figure`` keyword arguments) that shows itself in notebooks."""
    return _shown_class()(**kwargs)
