"""Benchmarks: lawsearch against its peers on the same corpus, queries and machine, in one run.

``python -m benchmarks`` (see ``run.py``) starts one worker process per system and phase (``worker.py``) so
that each system's peak memory and cold start are its own, collects their JSON and prints the tables
(``report.py``). What each figure means:

* **tokenize s** — producing the tokens a pre-tokenized system is given (bm25s, tantivy, whoosh pre-tok):
  ``lawsearch.analysis.index_terms`` over every article, dictionary load included. Systems that tokenize
  while indexing (lawsearch, the stock recipe) show ``-``: their tokenizing is inside **index s**.
* **index s** — building the index on disk from the corpus (for lawsearch: ``Index.create`` +
  ``Index.update([corpus.jsonl])``, reading and parsing the JSONL included; for bm25s: ``index`` + ``save``).
* **total s** — tokenize + index: the time from corpus file to usable index. **MB/s** is the corpus's raw
  UTF-8 text (the ``text`` fields) divided by total s. **× stock** is the stock recipe's total / this one's.
* **size** — bytes of the index folder on disk; **/raw** divides by the raw UTF-8 text bytes.
* **peak MB** — ``ru_maxrss`` of the worker process (build and query phases are separate processes).
* **cold ms** — the first query in a fresh process right after opening the index: dictionary load, first
  reads. **p50/p95 ms** — median and 95th percentile of the per-query wall time (``perf_counter_ns``) of the
  remaining queries; top-10 passages, with and without highlights where the system has both.
* **× stock p50** — the stock recipe's p50 / this one's, on the queries both ran.
* **R@10, nDCG@10** — relevance on the STARD questions that have judgments (``qrels.tsv``), a guard that a
  faster ranking did not get worse; not a timing.
"""
