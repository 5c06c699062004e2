"""Dask workers as SLURM jobs (dask-jobqueue), for ``tieredcare sweep --scheduler``.

Start it on the cluster's login node (or in a small long-running job), leave it running,
and start the sweep from another shell with the address it prints::

    python -m tieredcare.experiments.slurm --jobs 8 --cores 32 --memory 64GB --queue normal
    tieredcare sweep scenarios/sweeps/sobol_levers.yaml --scheduler tcp://10.1.2.3:8786

Each job runs ``cores`` single-threaded worker processes (one run each at a time), with
this Python, so the workers import the same ``tieredcare``. The sweep folder must be on a
file system the compute nodes share: workers write the run folders themselves.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any


def slurm_cluster(*, cores: int, memory: str, walltime: str, queue: str | None = None,
                  account: str | None = None, job_extra: Sequence[str] = (),
                  port: int = 8786, interface: str | None = None) -> Any:
    """A ``dask_jobqueue.SLURMCluster`` of single-threaded worker processes.

    Args:
        cores: CPUs per job; as many worker processes are started in it.
        memory: Memory per job, e.g. ``"64GB"`` (shared by its workers).
        walltime: Time limit per job, ``HH:MM:SS``.
        queue: SLURM partition (``-p``).
        account: SLURM account (``-A``).
        job_extra: Further ``#SBATCH`` options, e.g. ``["--exclusive"]``.
        port: Port of the scheduler (``tcp://<this host>:<port>``).
        interface: Network interface the scheduler and workers use (e.g. ``ib0``).

    Returns:
        The cluster, with no jobs yet: call ``scale(jobs=n)`` or ``adapt(...)``.
    """
    from dask_jobqueue import SLURMCluster

    return SLURMCluster(cores=cores, processes=cores, memory=memory, walltime=walltime,
                        queue=queue, account=account, job_extra_directives=list(job_extra),
                        interface=interface, python=sys.executable,
                        scheduler_options={"port": port, "dashboard_address": ":0"})


def main(argv: Sequence[str] | None = None) -> None:
    """Start the cluster, print its address, and keep it up until Ctrl-C."""
    args = _parser().parse_args(argv)
    cluster = slurm_cluster(cores=args.cores, memory=args.memory, walltime=args.walltime,
                            queue=args.queue, account=args.account, job_extra=args.job_extra,
                            port=args.port, interface=args.interface)
    if args.print_script:
        print(cluster.job_script())
        cluster.close()
        return
    if args.adapt:
        # Jobs are submitted while runs are queued and released when the sweep ends.
        cluster.adapt(minimum_jobs=0, maximum_jobs=args.jobs)
    else:
        cluster.scale(jobs=args.jobs)
    print(f"Dask scheduler: {cluster.scheduler_address}  (dashboard {cluster.dashboard_link})")
    print(f"Run: tieredcare sweep SWEEP.yaml --scheduler {cluster.scheduler_address}")
    print("Ctrl-C stops the scheduler and cancels the jobs.")
    try:
        while True:
            time.sleep(60)
    except KeyboardInterrupt:
        cluster.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tieredcare.experiments.slurm",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, help="SLURM jobs (at most, with --adapt)")
    parser.add_argument("--cores", type=int, required=True, help="CPUs (= workers) per job")
    parser.add_argument("--memory", required=True, help="memory per job, e.g. 64GB")
    parser.add_argument("--walltime", default="08:00:00", help="time limit per job")
    parser.add_argument("--queue", help="partition (-p)")
    parser.add_argument("--account", help="account (-A)")
    parser.add_argument("--job-extra", action="append", default=[],
                        help="extra #SBATCH option (repeatable), e.g. --job-extra=--exclusive")
    parser.add_argument("--port", type=int, default=8786, help="scheduler port")
    parser.add_argument("--interface", help="network interface, e.g. ib0")
    parser.add_argument("--adapt", action="store_true",
                        help="submit jobs only while runs are queued (up to --jobs)")
    parser.add_argument("--print-script", action="store_true",
                        help="print the job script and exit (nothing is submitted)")
    return parser


if __name__ == "__main__":
    main()
