"""oncorwe.io.omop: an OMOP CDM v5.4 database as a source of the input contract.

``read_omop`` maps person, observation_period, condition_occurrence, drug_exposure,
procedure_occurrence, measurement, observation, death and the Oncology extension's episode
onto the contract tables with Ibis expressions (the same on DuckDB, PostgreSQL and Spark);
``write_contract_folder`` writes them as CSV files for the normal intake. docs/omop.md says
where each contract field is found.
"""

from oncorwe.io.omop.concepts import CONCEPT_SETS, load_concept_sets
from oncorwe.io.omop.source import read_omop, write_contract_folder

__all__ = [
    "CONCEPT_SETS",
    "load_concept_sets",
    "read_omop",
    "write_contract_folder",
]
