"""What the routes do, one module per resource, over SQLAlchemy Core and nothing of HTTP.

- :mod:`.datasets`, :mod:`.upserts`, :mod:`.versions` (versions, examples, manifests, diffs),
  :mod:`.experiments` (experiments, runs, evaluations): the resources, peers.
- :mod:`.queries`: the queries they share (a dataset or version by id, the example set as of a
  version, an example as answered, paging by id); :mod:`.values`: ids, times and canonical
  JSON text; :mod:`.writer`: the upsert's rows; :mod:`.errors`: their refusals, which the edge
  renders as RFC 9457 problems (:func:`groundset_server.problems.domain_problem`).
"""
