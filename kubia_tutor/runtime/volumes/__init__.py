"""The kubelet's volume manager: see `manager` for the design; `base` for the preparer table
(`register`) that new volume sources plug into."""

from kubia_tutor.runtime.volumes.base import (
    PREPARERS,
    Mount,
    Prepared,
    VolumeContext,
    VolumeError,
    register,
    setup_failed,
)
from kubia_tutor.runtime.volumes.empty_dir import EMPTY_DIR
from kubia_tutor.runtime.volumes.manager import VolumeManager
from kubia_tutor.runtime.volumes.secret import SECRET, SERVICE_ACCOUNT_PATH

__all__ = ["EMPTY_DIR", "PREPARERS", "SECRET", "SERVICE_ACCOUNT_PATH", "Mount", "Prepared",
           "VolumeContext", "VolumeError", "VolumeManager", "register", "setup_failed"]
