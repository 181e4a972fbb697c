"""An on-disk store of embeddings, so repeated transforms skip the model.

One SQLite file per folder: safe for several processes (CV folds run by joblib) and
a single file however many rows it holds.
"""

import sqlite3
from contextlib import contextmanager
from pathlib import Path

import numpy as np


class EmbeddingCache:
    def __init__(self, folder):
        self.path = Path(folder).expanduser() / "embeddings.sqlite"

    @contextmanager
    def _connect(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=60)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS embedding (key TEXT PRIMARY KEY, value BLOB)"
            )
            with connection:  # commits on success
                yield connection
        finally:
            connection.close()

    def get_many(self, keys):
        """Map each key found to its float32 vector."""
        found = {}
        with self._connect() as connection:
            unique = list(dict.fromkeys(keys))
            for start in range(0, len(unique), 500):  # SQLite caps bound parameters
                chunk = unique[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = connection.execute(
                    f"SELECT key, value FROM embedding WHERE key IN ({marks})", chunk
                )
                found.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        return found

    def put_many(self, items):
        """Store ``(key, vector)`` pairs."""
        with self._connect() as connection:
            connection.executemany(
                "INSERT OR REPLACE INTO embedding VALUES (?, ?)",
                ((k, np.ascontiguousarray(v, np.float32).tobytes()) for k, v in items),
            )
