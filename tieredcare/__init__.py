"""tieredcare: an agent-based simulation of China's tiered care system.

Residents (numpy arrays) fall ill, choose among village clinics, township health centres,
county and city hospitals (Mesa agents), wait, are treated or referred, and sign contracts
with family-doctor teams, under the policy levers set in a YAML scenario.

Start with :func:`tieredcare.config.load_scenario` and :func:`tieredcare.run.simulate`,
or the ``tieredcare`` command line.
"""

from importlib import metadata

try:
    __version__ = metadata.version("tieredcare")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
