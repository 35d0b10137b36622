"""The PySide6 user interface. Only this package imports Qt."""

from quizapp.ui.qtcompat import make_singletons_immortal

make_singletons_immortal()  # before any Qt call: see quizapp.ui.qtcompat
