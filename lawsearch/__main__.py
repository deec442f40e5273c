"""``python -m lawsearch`` runs the command-line interface."""

from lawsearch.cli import main

raise SystemExit(main())
