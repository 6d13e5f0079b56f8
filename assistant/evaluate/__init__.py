"""Evaluation: question sets (JSONL), metrics, the baselines, the scored run and its report."""
