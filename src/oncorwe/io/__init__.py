"""Reading study sources (CSV folder, Excel workbook, Parquet) and the DuckDB study store."""
