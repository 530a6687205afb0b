"""Small helpers the chapters share."""
from __future__ import annotations

import inspect


def show_source(obj):
    """Display the source code of a library function, highlighted, so a chapter shows the code it runs."""
    from IPython.display import Code, display

    display(Code(inspect.getsource(obj), language="python"))
