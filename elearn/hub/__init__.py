"""The partnership's reporting hub (docs/hub.md)."""
