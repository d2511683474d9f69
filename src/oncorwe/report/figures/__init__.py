"""Report figures (matplotlib, Agg canvas, byte-reproducible PNG and SVG)."""
