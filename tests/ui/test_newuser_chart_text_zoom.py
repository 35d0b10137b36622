"""Chart titles and the numbers written on the bars follow the text size.

Found on the installed app at 160% text size: the Statistics page's tiles, tabs and axis
labels were large, but each chart's title ("By deck") and the figures on its bars
("50%  (2 of 4)") stayed at their 100% size, the smallest text on the page.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from quizapp.ui.app import apply_look
from tests.ui.test_stats_page import make_page, store  # noqa: F401  (fixtures)


@pytest.mark.parametrize("zoom", [1.0, 2.0], ids=["100%", "200%"])
def test_chart_titles_and_bar_figures_are_at_the_page_text_size(make_page: Any,  # noqa: F811
                                                                zoom: float) -> None:
    import pyqtgraph as pg

    apply_look(QApplication.instance(), "light", zoom)  # type: ignore[arg-type]
    page = make_page()
    page.draw_all()
    body = page.font().pointSizeF()
    texts = [item for plot in page._plots.values() for item in plot.getPlotItem().items
             if isinstance(item, pg.TextItem)]
    assert texts  # the mastery, calibration and forecast charts write figures
    for item in texts:
        assert item.textItem.font().pointSizeF() >= body * 0.9, item.toPlainText()
    for name, plot in page._plots.items():
        size = plot.getPlotItem().titleLabel.opts.get("size", "")
        assert size.endswith("pt") and float(size[:-2]) >= body, (name, size)


def test_charts_drawn_before_a_zoom_follow_it(make_page: Any) -> None:  # noqa: F811
    import pyqtgraph as pg

    page = make_page()
    page.draw_all()
    before = page.font().pointSizeF()
    apply_look(QApplication.instance(), "light", 2.0)  # type: ignore[arg-type]  # Ctrl+= ...
    assert page.font().pointSizeF() > before
    page.draw_all()
    body = page.font().pointSizeF()
    title = page._plots["accuracy:0"].getPlotItem().titleLabel.opts["size"]
    assert float(title[:-2]) >= body
    texts = [item for plot in page._plots.values() for item in plot.getPlotItem().items
             if isinstance(item, pg.TextItem)]
    assert texts and all(t.textItem.font().pointSizeF() >= body * 0.9 for t in texts)
