"""The corpus side: load articles, chunk them with exact offsets, embed, store; the chunk
catalogue (keyword search) and `Corpus`, through which the answering side reads all of it.

Nothing here imports Gradio, any LLM client or `assistant`; `assistant` builds on this package.
"""
