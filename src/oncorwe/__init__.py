"""oncorwe: real-world oncology outcome studies, from patient records to a report."""

__version__ = "0.1.0"
