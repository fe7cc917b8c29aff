"""The search relevance set and its harness: `queries.yaml` names, for real-life queries, the
demo catalog's datasets that must come first; `harness` runs the set on a backend and reports
nDCG@10 and the top-3 hit rate (`kaifang relevance`)."""
