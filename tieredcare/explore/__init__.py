"""``tieredcare explore``: the policy levers as controls in the browser, the county re-run live.

- :mod:`~tieredcare.explore.levers`: the controls, built from the schema and the lever
  table, and the check of a value against the schema;
- :mod:`~tieredcare.explore.state`: what the sessions share (the scenario, county maps,
  the baseline run), the run of one setting in a worker thread that a newer setting
  cancels, and the scenario file a user downloads;
- :mod:`~tieredcare.explore.pictures`: cards' values and charts of a run against the
  baseline;
- :mod:`~tieredcare.explore.controls`, :mod:`~tieredcare.explore.page` and
  :mod:`~tieredcare.explore.browser`: the Solara components (levers, the explorer, the
  results folders);
- :mod:`~tieredcare.explore.words`: the page's own words in English and Chinese;
- :mod:`~tieredcare.explore.server`: the web server.

Solara and its browser assets come with the ``explore`` extra
(``pip install 'tieredcare[explore]'``).
"""
