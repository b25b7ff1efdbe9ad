"""Real bibliographic records bundled for the demo index (see README.md here for provenance)."""
