"""`python -m kubia_tutor`: the `kubia-tutor` command (the shell's shim runs it this way)."""

import sys

from kubia_tutor.cli import main

sys.exit(main())
