"""The Podman runtime: the tutor's own containers.conf, its own `podman system service`, and
the `doctor` checks that tell whether this host can run them.

Nothing here edits the user's Podman configuration: the service runs with `CONTAINERS_CONF`
pointing at a file in the state dir (`config.configure`). Only `doctor.fix`, called when the
user asks for it, writes a drop-in under `/etc/containers/containers.conf.d/`.
"""
