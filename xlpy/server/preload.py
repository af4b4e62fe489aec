"""Preloaded by the worker processes' forkserver: the pipeline, imported and warmed once for every worker."""

from xlpy.server.limits import warm_pipeline

# Side effect on import on purpose: multiprocessing's forkserver preload can only import modules.
warm_pipeline()
