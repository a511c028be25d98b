"""A ``.npy`` feature cache that makes the second run instant and never serves stale features.

Each entry is keyed by the audio file's identity (absolute path, size,
modification time), the full :class:`~sermodels.features.FeatureSpec` and the
augmentation recipe, so changing any parameter gives new entries. Writes go to
a temporary name and are renamed into place, so an interrupted run leaves no
half-written entry; unreadable entries (and stacked bundles) are detected and
rebuilt. A cache folder that cannot be written (read-only, no permission) is
skipped with a warning: features are then computed without a cache. Before several
worker processes start, librosa's compiled code is built (or checked) once in a separate
process (:mod:`sermodels.warmup`), and a worker that dies is reported as such.

Example:
    >>> fs = extract_features(frame, "data/", get_spec("mfcc40"), cache_dir="cache/")  # doctest: +SKIP
    >>> fs.x.shape, len(fs.rows), fs.errors                                              # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from joblib.externals.loky.process_executor import TerminatedWorkerError
from tqdm.auto import tqdm

from sermodels.audio import AudioError, format_errors, load_audio
from sermodels.augment import apply_recipe
from sermodels.errors import SermodelsError
from sermodels.features import FeatureSpec, extract
from sermodels.warmup import warm_up

ENV_VAR = "SERMODELS_CACHE"


#: with ``n_jobs=0``, the number of clips from which extraction uses every core (worker
#: processes take seconds to start and import; below this one process is faster)
PARALLEL_FROM = 2000


class WorkerError(SermodelsError):
    """A feature worker process died (a crash or the system killing it, e.g. out of memory)."""


def default_cache_dir() -> Path:
    """``$SERMODELS_CACHE``, else ``~/.cache/sermodels``."""
    return Path(os.environ.get(ENV_VAR) or Path.home() / ".cache" / "sermodels")


def file_identity(path: str | os.PathLike) -> dict:
    """What identifies an audio file's content cheaply: absolute path, size, mtime."""
    path = os.path.abspath(path)
    stat = os.stat(path)
    return {"path": path, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def entry_key(identity: dict, spec: FeatureSpec | str, recipe: dict | None = None) -> str:
    """Cache key of one file under one spec (or spec key) and augmentation recipe."""
    spec_key = spec if isinstance(spec, str) else spec.key()
    blob = json.dumps({"file": identity, "spec": spec_key, "recipe": recipe or {}},
                      sort_keys=True).encode()
    return hashlib.sha1(blob).hexdigest()


class FeatureCache:
    """A folder of ``.npy`` entries, one sub-folder per feature spec.

    Args:
        root: cache folder (default :func:`default_cache_dir`).
        spec: the feature spec of every entry.
    """

    def __init__(self, root: str | os.PathLike | None, spec: FeatureSpec) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.spec = spec
        self.dir = self.root / spec.key()
        self.dir.mkdir(parents=True, exist_ok=True)
        info = self.dir / "spec.json"
        if not info.exists():
            _atomic_write_text(info, json.dumps(spec.to_dict(), indent=2, default=list))

    def path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.npy"

    def put_path(self, path: Path, value: np.ndarray) -> None:
        """Store an array at ``path`` atomically: a temporary file in the same folder, then rename.

        The temporary file ends in ``.part``, so a write cut short by a killed process
        never looks like an entry (``*.npy``).
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                np.save(handle, np.asarray(value, dtype=np.float32), allow_pickle=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> np.ndarray | None:
        """The cached array, or ``None`` if absent or unreadable (a corrupt entry is removed)."""
        path = self.path(key)
        if not path.exists():
            return None
        try:
            value = np.load(path, allow_pickle=False)
            if value.dtype != np.float32 or not np.all(np.isfinite(value)):
                raise ValueError("wrong dtype or non-finite values")
            return value
        except (ValueError, OSError, EOFError):
            path.unlink(missing_ok=True)
            return None

    def bundle_path(self, keys: list[str]) -> Path:
        """Where the stacked features of exactly these entries, in this order, are kept."""
        digest = hashlib.sha1("\n".join(keys).encode()).hexdigest()
        return self.dir / "bundles" / f"{digest}.npy"

    def get_bundle(self, keys: list[str], shape: tuple[int, ...]) -> np.ndarray | None:
        """The stacked array of a previous identical request, or ``None`` (corrupt ones removed)."""
        path = self.bundle_path(keys)
        if not path.exists():
            return None
        try:
            value = np.load(path, allow_pickle=False)
            if value.shape != (len(keys), *shape) or value.dtype != np.float32:
                raise ValueError(f"shape {value.shape} {value.dtype}, expected "
                                 f"{(len(keys), *shape)} float32")
            if not np.all(np.isfinite(value)):
                raise ValueError("NaN or infinite values")
            return value
        except (ValueError, OSError, EOFError) as err:  # checked like single entries
            print(f"note: discarded a damaged feature bundle {path} ({err}); rebuilding it from "
                  "the single entries", file=sys.stderr)
            path.unlink(missing_ok=True)
            return None

    def put(self, key: str, value: np.ndarray) -> None:
        """Store one entry atomically."""
        self.put_path(self.path(key), value)


def open_cache(root: str | os.PathLike | None, spec: FeatureSpec) -> FeatureCache | None:
    """The cache under ``root``, or ``None`` with a warning when it cannot be used (a read-only
    or unreadable folder): features are then computed without a cache, never an error."""
    try:
        cache = FeatureCache(root, spec)
        if not os.access(cache.dir, os.W_OK | os.X_OK):
            raise PermissionError(13, "permission denied", str(cache.dir))
        return cache
    except OSError as err:
        where = err.filename or root or default_cache_dir()
        print(f"warning: feature cache {where} cannot be used ({err.strerror or err}); "
              f"continuing without a cache (choose another with --cache or ${ENV_VAR})",
              file=sys.stderr)
        return None


def _atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


@dataclass
class FeatureSet:
    """Features and the manifest rows they belong to (row ``i`` <-> ``x[i]``).

    Attributes:
        x: stacked features, ``(n, *spec.output_shape())``.
        rows: the manifest rows that were extracted, in order.
        errors: files that could not be used, each naming the file and problem.
        hits: how many entries came from the cache.
    """

    x: np.ndarray
    rows: pd.DataFrame
    spec: FeatureSpec
    errors: list[AudioError] = field(default_factory=list)
    hits: int = 0

    def report(self) -> str:
        return format_errors(self.errors) if self.errors else ""


def _one(path: str, spec: FeatureSpec, cache: FeatureCache | None, recipe: dict | None,
         key: str | None) -> tuple[np.ndarray | None, str | None, bool]:
    """Features of one file: from the cache, or computed and stored. Runs in workers."""
    try:
        if cache and key:
            hit = cache.get(key)
            if hit is not None:
                return hit, None, True
        y = load_audio(path, spec.audio)
        if recipe:
            y = apply_recipe(y, spec.sample_rate, recipe)
        value = extract(y, spec)
        if cache and key:
            with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
                cache.put(key, value)
        return value, None, False
    except AudioError as err:
        return None, err.problem, False
    except FileNotFoundError:
        return None, "file not found", False
    except PermissionError:
        return None, "permission denied (the file cannot be read)", False


def extract_features(
    frame: pd.DataFrame,
    data_root: str | os.PathLike,
    spec: FeatureSpec,
    *,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    n_jobs: int = 1,
    progress: bool = True,
    recipes: list[dict | None] | None = None,
) -> FeatureSet:
    """Extract (or fetch from the cache) features for every manifest row.

    Args:
        frame: manifest rows (``path`` relative to ``data_root``).
        data_root: folder the paths are relative to.
        spec: the feature spec; ``spec.audio`` says how audio is loaded.
        cache_dir: cache folder (default ``$SERMODELS_CACHE`` or ``~/.cache/sermodels``).
        use_cache: read and write the cache.
        n_jobs: worker processes (joblib); ``-1`` uses every core; ``0`` decides: every
            core when at least :data:`PARALLEL_FROM` clips are to be computed, else one.
        progress: show a progress bar.
        recipes: per-row augmentation recipes (see :mod:`sermodels.augment`), part of the
            cache key; default: the frame's ``recipe`` column if it has one, else none.

    Returns:
        A :class:`FeatureSet`; rows whose audio failed are left out and named in ``errors``.
    """
    root = Path(data_root)
    cache = open_cache(cache_dir, spec) if use_cache else None
    paths = [os.path.join(root, p) for p in frame["path"]]
    if recipes is None:
        recipes = list(frame["recipe"]) if "recipe" in frame.columns else [None] * len(paths)
    spec_key = spec.key()
    keys = ([_key(p, spec_key, r) for p, r in zip(paths, recipes, strict=True)] if cache
            else [None] * len(paths))
    shape = spec.output_shape()
    fixed = all(d is not None for d in shape)
    complete = cache is not None and fixed and all(keys)
    if complete:  # the same request as before: one read of the stacked array
        bundle = cache.get_bundle(keys, shape)
        if bundle is not None:
            return FeatureSet(x=bundle, rows=frame.reset_index(drop=True), spec=spec,
                              hits=len(paths))
    tasks = (delayed(_one)(p, spec, cache, r, k)
             for p, r, k in zip(paths, recipes, keys, strict=True))
    if n_jobs == 0:  # worker processes pay off only on enough clips
        n_jobs = -1 if len(paths) >= PARALLEL_FROM else 1
    # with a fixed shape, results go straight into one preallocated array (no second copy)
    x = np.empty((len(paths), *shape), dtype=np.float32) if fixed else None
    arrays: list[np.ndarray] = []
    keep, errors, hits = [], [], 0
    with tqdm(total=len(paths), desc=f"features {spec.name}", disable=not progress,
              unit="clip") as bar:
        if n_jobs != 1:  # compile librosa's numba code in one process before workers load it
            bar.set_postfix_str("checking librosa's compiled code in one process first")
            warm_up(spec, recipes)
            bar.set_postfix_str("")
        runner = Parallel(n_jobs=n_jobs, return_as="generator", batch_size="auto")
        for i, (value, problem, hit) in enumerate(_guarded(runner(tasks), spec)):
            bar.update()
            if value is None:
                errors.append(AudioError(paths[i], problem or "unknown error"))
                continue
            if fixed:
                x[len(keep)] = value
            else:
                arrays.append(value)
            keep.append(i)
            hits += int(hit)
    rows = frame.iloc[keep].reset_index(drop=True)
    x = x[: len(keep)] if fixed else _stack(arrays, spec)
    if complete and not errors:
        with contextlib.suppress(OSError):
            cache.put_path(cache.bundle_path(keys), x)
    return FeatureSet(x=x, rows=rows, spec=spec, errors=errors, hits=hits)


def _guarded(results, spec: FeatureSpec):
    """The workers' results; a worker that dies becomes a :class:`WorkerError`."""
    try:
        yield from results
    except TerminatedWorkerError as err:
        raise WorkerError(
            f"a feature worker process died while extracting features {spec.name!r} ({err}); "
            f"with --jobs 1 (n_jobs=1) the extraction runs in this process and a file that "
            f"cannot be read is named instead"
        ) from None


def _key(path: str, spec_key: str, recipe: dict | None) -> str | None:
    try:
        return entry_key(file_identity(path), spec_key, recipe)
    except OSError:
        return None  # the worker reports the missing file


def _stack(arrays: list[np.ndarray], spec: FeatureSpec) -> np.ndarray:
    if not arrays:
        return np.zeros((0, *[d or 0 for d in spec.output_shape()]), dtype=np.float32)
    if spec.kind == "sequence" and len({a.shape[0] for a in arrays}) > 1:
        longest = max(a.shape[0] for a in arrays)  # variable-length clips: pad at the end
        arrays = [np.pad(a, ((0, longest - a.shape[0]), (0, 0))) for a in arrays]
    return np.stack(arrays).astype(np.float32, copy=False)
