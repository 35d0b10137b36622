"""The Qt-free core of quizapp: deck model and loader, sessions, scoring, scheduling, store.

Nothing in this package may import PySide6 (tests/core/test_architecture.py enforces it).
"""
