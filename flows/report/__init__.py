"""``slant report``: the warehouse as one self-contained HTML page with charts (docs/report.md).

``warehouse.report_data`` runs the queries, ``charts`` makes the Plotly figures, ``page`` lays
out the page, ``build`` writes it (from the command line or after a nightly run).
"""
