"""Sources in other formats: SAS/SPSS/Stata files, REDCap exports, CDISC SDTM."""
