"""kubia-tutor."""
