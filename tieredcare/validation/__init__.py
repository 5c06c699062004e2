"""Published effects of tiered-care and family-doctor policies, and the model's.

A study file (:mod:`.studies`) holds one published quantitative evaluation and the pair of
scenarios that stands for it; :mod:`.run` runs every pair with common random numbers,
:mod:`.judge` says whether the model agrees in direction and size, and :mod:`.report`
writes ``report.md``. ``tieredcare validate-effects`` (:mod:`.cli`) does it all.
"""
