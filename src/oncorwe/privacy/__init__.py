"""Privacy: what may leave a study, in one package.

- ``identifiers``: identifier-like columns in the input (names, phone numbers, national ids).
- ``deidentify``, ``deidentify_report``: drop identifier columns before anything is stored
  (privacy by default), and write a pseudonymised copy of a study with its Safe Harbor report.
- ``exported``, ``mirrors``: every exported table declared once (builder, sums, display),
  and the counts tables repeat from one another; an undeclared table is an error.
- ``additivity``, ``cell_system``, ``disclosure_audit``, ``suppression``: small-cell
  suppression of the exported tables (threshold rule, complementary cells over each table's
  declared sums, a linear-programming audit).
- ``shareable``: how a suppressed cell reads (``<5``, ``[c]``) and the note that says so.

Place in the layers (each package imports only those to its left)::

    protocol, stats, errors, epoch <- io <- privacy <- validate <- cohort <- derive
        <- analysis <- report <- cli

``privacy`` sits just above ``io``: the validator drops identifier columns while it reads,
and the analysis, the pipeline and the report suppress and mark small cells. So nothing here
imports ``validate``, ``cohort``, ``derive``, ``analysis`` or ``report``: a rule that belongs
to a higher layer (the protocol's time origin for study days) is passed in by the caller, and
the table labels the suppression declarations use are written as data (checked against the
analysis by the tests).
"""
