"""`python -m kubia_tutor.runtime.images list|build`."""

from __future__ import annotations

from kubia_tutor.runtime.images.command import main

raise SystemExit(main())
