# Hardening flags for the library (filled in by the ABI work).
