"""sermodels: speech emotion recognition on CREMA-D, RAVDESS, TESS and SAVEE, evaluated honestly.

Speaker-independent splits by default; the papers' random split only on request and
labelled as such; every number traceable to a protocol, corpora, label set and seed.
"""

from importlib import metadata

try:
    __version__ = metadata.version("sermodels")
except metadata.PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"
