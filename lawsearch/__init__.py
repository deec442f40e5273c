"""lawsearch: embedded full-text search over Chinese government reports and laws."""
