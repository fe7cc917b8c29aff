"""The CKAN Action API (`/api/3/action/<name>` and `/api/action/<name>`), for the tools written
for CKAN — `ckanapi`, harvesters, notebooks — to work against the platform unchanged.

An explicit registry (`actions.ACTIONS`) maps each action name to its handler, its permission
and the methods it takes; nothing else is reachable. Handlers are thin: reads go through the
catalog's selectors and the visibility gate, writes through the catalog's services and their
review workflow, so a rule holds for this API exactly as for the pages and the native API.
`mapping` turns datasets and resources into CKAN's dicts (and back) from the metadata schema's
`ckan:` entries, so a new schema field maps itself. docs/ckan-api.md lists the actions, the
field mapping and where the platform differs from CKAN.
"""
