"""Canonical, versioned corpus manifests shipped with sermodels (see README.md here)."""
