"""The downloadable diagnostic agent: checks a candidate's PC against the device requirements.

Standard library plus (optionally) psutil, Python 3.8 compatible; never imports helpdesk or Flask.
Importing this package is cheap and side-effect free, so the desk can import ``diagnostics.rules``.
"""

__version__ = "1.0.0"
