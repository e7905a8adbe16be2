"""Build tooling behind build.py (standard library only)."""
