"""The service layer: the stage seam and the use cases every front end calls.

Data flow: a front end (the CLI, the API, the console) calls a use case here;
the use case composes domain stages (``fees``, ``ledger``, ``scoring``,
``risk``, ``simulate``), which never import each other and meet in tables.

* :mod:`~merchantry.service.stages` declares the batch stages in order, each with
  the tables it reads and writes; :mod:`~merchantry.service.runner` runs what is
  stale and records every run in ``stage_runs``.
* :mod:`~merchantry.service.cases`, :mod:`~merchantry.service.simulation`,
  :mod:`~merchantry.service.risk_demo`, :mod:`~merchantry.service.demo`: use cases.
* :mod:`~merchantry.service.snapshot`: one writer publishes read-only snapshots of
  the warehouse that readers open while the next stage runs.
"""
