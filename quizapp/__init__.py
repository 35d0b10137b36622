"""quizapp: an offline quiz, flashcard and clinical-vignette trainer for medicine."""

__version__ = "0.1.0"
APP_NAME = "quizapp"
APP_DISPLAY_NAME = "quizapp"
