"""The read-only public endpoint over the Oxigraph store (``nsxkg serve``).

One router per concern, assembled in ``app.py``:

==========================  ============================================================
``sparql.py``               ``/sparql``: SPARQL 1.1 Protocol (query operation), service
                            description on GET without a query
``service.py``              the query service: every user's query, request → policy →
                            rewrite → cache → lanes → worker → answer (read it first)
``failures.py``             why a query was not answered: one type per kind, with status
``workers.py``              kill-able worker processes that run users' queries (timeout,
                            result-size limit, a large stack for deep queries)
``sparqltext.py``           reads query text: form, updates, SERVICE, volatility, depth
``limits.py``               per-request body limit and per-client query limits (middleware)
``linked_data.py``          ``/id/…`` 303 → ``/doc/…`` (negotiated; ``.ttl .nt .jsonld .rdf
                            .html`` suffixes), ``/def`` (ontology), ``/graph/…``,
                            ``/context.jsonld``
``describe.py``             what a resource dereferences to
``void.py``                 ``/.well-known/void`` (VoID + DCAT)
``dumps.py``                ``/dumps/`` (all as gzipped N-Quads, each graph as Turtle)
``pages.py`` ``views.py``   HTML pages (Jinja2, ``templates/``, ``static/``): home, search
                            (``/search``, ``/api/search``), resource pages, ``/query``
``negotiation.py``          the one content-negotiation function
``http.py`` ``deps.py``     errors, ETag/Last-Modified/304, application state
==========================  ============================================================
"""
