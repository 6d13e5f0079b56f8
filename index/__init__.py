"""The corpus side: load articles, chunk them with exact offsets, embed, store, retrieve.

Nothing here imports Gradio or any LLM client; `assistant` builds on this package.
"""
