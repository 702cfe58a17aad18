"""The cluster's network, all on this machine: cluster DNS (`dns_records`, `dns_server`)."""
