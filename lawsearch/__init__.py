"""lawsearch: embedded full-text search over Chinese government reports and laws."""

__version__ = "0.1.0"
