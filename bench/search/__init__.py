"""The search benchmark: a synthetic catalog generator, its searches, the check of their
answers and the timed run (run.py)."""
