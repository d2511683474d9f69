"""oncorwe.explore: a local web page to explore a study's survival curves (``oncorwe explore``).

Needs the ``explore`` extra (``pip install 'oncorwe[explore]'``: Shiny for Python); see
docs/explore.md.
"""
