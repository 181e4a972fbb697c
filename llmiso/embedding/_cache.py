"""Stage 3 of embedding: an on-disk store of embeddings, so repeated transforms skip the model.

One SQLite file per folder, in write-ahead-log mode: safe for several processes (CV
folds run by joblib) and a single file however many rows it holds. It stays
hand-written because what it stores is small and specific (one float32 vector per
key) and the standard library's sqlite3 already gives atomic, concurrent writes;
joblib.Memory would pickle whole arrays per call and could not share rows between
calls that overlap.
"""

import hashlib
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import numpy as np

# Prompts tokenized and embedded at a time, so memory stays bounded for any n.
CHUNK = 4096


def cache_key(*settings):
    """A stable key for everything that determines one embedding."""
    return hashlib.sha256(repr(settings).encode()).hexdigest()


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


def through_cache(n, keys_of, compute, store, *, width, cache_dir, unit, verbose):
    """Call ``store(i, result)`` for items ``0..n-1``, computing only what is not cached.

    An item's result is (rows, width) states: one block of columns per key of
    ``keys_of(i)`` (one per layer read), each stored under its own key, so a pass
    that reads several layers also serves later calls that read one of them. Items
    whose every block is cached are read back; the others come from
    ``compute(indices, progress)``, :data:`CHUNK` items at a time, and are stored.
    """
    todo = list(range(n))
    cache = None
    if cache_dir is not None:
        cache = EmbeddingCache(cache_dir)
        keys = [keys_of(i) for i in range(n)]
        found = cache.get_many([key for item in keys for key in item])
        todo = []
        for i, item in enumerate(keys):
            if all(key in found for key in item):
                block = width // len(item)
                store(i, np.hstack([found[key].reshape(-1, block) for key in item]))
            else:
                todo.append(i)
    if not todo:
        return
    from tqdm.auto import tqdm

    with tqdm(total=len(todo), desc="Embedding", unit=unit, disable=not verbose) as progress:
        for start in range(0, len(todo), CHUNK):
            part = todo[start : start + CHUNK]
            results = [np.asarray(r).reshape(-1, width) for r in compute(part, progress)]
            for i, result in zip(part, results, strict=True):
                store(i, result)
            if cache is not None:
                cache.put_many((key, block) for i, result in zip(part, results, strict=True)
                               for key, block in zip(keys[i], np.hsplit(result, len(keys[i])),
                                                     strict=True))
