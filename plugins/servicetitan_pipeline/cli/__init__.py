"""The ``servicetitan`` command line."""
