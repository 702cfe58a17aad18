"""`python -m kubia_tutor.daemon`: run the daemon in the foreground."""

import sys

from kubia_tutor.daemon.main import main

sys.exit(main())
