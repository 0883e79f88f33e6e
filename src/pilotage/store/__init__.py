"""The workspace: a folder with a config file, a secret and an embedded DuckDB database."""

from pilotage.store.batch import Batch, LoadReport
from pilotage.store.workspace import Workspace, resolve_workspace_dir

__all__ = ["Batch", "LoadReport", "Workspace", "resolve_workspace_dir"]
