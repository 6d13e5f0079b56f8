"""The project's exceptions, one small family.

They live at the bottom of the import graph (`index`) so both sides can raise them; `assistant`
re-exports them. The CLI turns each into a one-line message, the web UI into `gr.Error`.
"""


class AssistantError(Exception):
    """Base class: every error the user can cause or fix."""


class ConfigError(AssistantError):
    """A setting has a value that cannot work."""


class InputError(AssistantError):
    """A question or document the assistant cannot take (empty, too long, ...)."""


class SourceNotFoundError(AssistantError):
    """A path given for indexing does not exist."""


class LoadError(AssistantError):
    """One file could not be read as an article (the batch goes on without it)."""


class StoreError(AssistantError):
    """The vector store is missing, unavailable or unreadable."""


class Cancelled(AssistantError):
    """An upload was cancelled; none of its articles were kept."""


class FetchError(LoadError):
    """A URL could not be fetched within the guards (address, size, time, redirects, type)."""
