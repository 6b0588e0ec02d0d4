"""The labelled corpus files (corpus.jsonl, heldout.jsonl) and their sources."""
