"""Preloaded by the worker processes' forkserver: the pipeline, imported and warmed once for every worker."""

import os

from xlpy.config import register_cache_dir
from xlpy.rules.disk_cache import set_directory
from xlpy.server.limits import warm_pipeline

# Side effect on import on purpose: multiprocessing's forkserver preload can only import modules, so
# the register cache comes from the environment the forkserver inherits, as load_settings reads it.
set_directory(register_cache_dir(os.environ))
warm_pipeline()
