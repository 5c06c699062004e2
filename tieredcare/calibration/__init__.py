"""Fitting a county to its own statistics (``tieredcare calibrate``).

What is fitted and within which bounds is a targets file (:mod:`.targets`); one trial is
a set of replicate runs and a loss (:mod:`.objective`); the search is an Optuna study kept
in the output folder (:mod:`.study`); what the folder holds afterwards is :mod:`.report`.
"""
