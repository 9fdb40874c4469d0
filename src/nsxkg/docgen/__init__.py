"""Generated documentation: the data-model diagram (from the ontology), the CLI reference
(from click) and release citations (from a loaded build). Generated files under docs/ are
rebuilt by `nsxkg docs …`, never edited by hand; tests check they are up to date."""
