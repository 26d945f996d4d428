"""``python -m bulletin.cli``: the same as the ``bulletin`` command."""

from . import main

main()
