"""Retrieval: the chunks a question is answered from. `Retriever` is the stage's interface;
`HybridRetriever` (dense and keyword, fused) ships, `DenseRetriever` is its dense half alone,
for comparison; `langchain_adapter` offers the hybrid one to LangChain."""
