"""The answer stage: every sentence of the retrieved chunks scored against the question (one
place for ranking and confidence), the best composed into an extractive answer with exact
citations, reported speech kept attributed, follow-up questions given their subject."""
