"""Closed vocabularies: a misspelt term raises instead of minting a new IRI.

Terms are pyoxigraph ``NamedNode`` values because the pipeline emits oxigraph quads;
``NS.term.value`` gives the IRI string where rdflib or plain strings are needed.
"""

from __future__ import annotations

from pyoxigraph import NamedNode


class ClosedNamespace:
    """A namespace that only knows a fixed set of local names."""

    def __init__(self, prefix: str, iri: str, terms: str):
        self._prefix = prefix
        self._iri = iri
        self._terms = frozenset(terms.split())
        # Known terms become plain attributes: the pipeline looks them up millions of times.
        for term in self._terms:
            self.__dict__[term] = NamedNode(iri + term)

    @property
    def iri(self) -> str:
        return self._iri

    @property
    def prefix(self) -> str:
        return self._prefix

    @property
    def terms(self) -> frozenset[str]:
        return self._terms

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str) -> NamedNode:
        if name not in self._terms:
            raise AttributeError(f"{name!r} is not a term of {self._prefix}: <{self._iri}>")
        node: NamedNode = self.__dict__[name]
        return node

    def __contains__(self, name: object) -> bool:
        return name in self._terms


# Full-text search in SPARQL (textsearch.py): the service and its parameters and outputs
# (ontology section 11).
_TEXT_SEARCH_TERMS = """
    textSearch searchQuery searchProperty searchClass searchLanguage searchLimit
    matchedText matchedProperty relevance snippet
"""

# The nsxkg ontology. Every term here is declared, labelled and defined in ontology/nsxkg.ttl;
# tests/test_ontology.py checks the two lists agree.
NSX = ClosedNamespace("nsx", "https://w3id.org/nsxkg/def#", """
    Occupation Task SkillConcept ONetSkill Knowledge Ability WorkStyle TechnologyCategory
    DurableSkillDomain ProficiencyScale ProficiencyLevel MasteryLevel DurableSkillLevel
    FrameworkRelease Statement MasteryStatement AIUseStatement DurableSkillStatement
    Source EvidencePack AIUsageEvidence AutomationFeasibilityEvidence SkillsClusterEvidence
    SkillsCluster JobZone EducationProgram
    occupation level scale domain framework position statementText cites rank roleLabel
    jobZone contextText anchor anchorTask anchorSkill anchorKnowledge anchorAbility
    anchorWorkStyle anchorTechnology educationProgram relatedTitle sourceAnchorCount
    evidence aiUsage automationFeasibility skillsClusterEvidence
    taskObservations augmentSharePercent timeSavedPercent aiAutonomy
    topSkill feasibilityScore feasibilityScoreMax feasibilityQuadrant matchPrecision
    skillsCluster citationLabel
    masteryScale durableSkillScale durableSkillScheme
    Framework StatementLineage LevelRole SourceEdition levelRole sourceEdition
    Rating RatingScale RatingCategory TechnologySkill AlternateTitle ReportedTitle EmergingTask
    WorkActivity SOCGroup OccupationRelation ContentModelElement
    element ratingScale dataValue sampleSize standardError lowerCIBound upperCIBound
    recommendSuppress notRelevant domainSource category scaleMinimum scaleMaximum taskType
    incumbentsResponding technology hotTechnology inDemand shortTitle titleSource
    shownInMyNextMove relatedOccupation relatednessTier relatednessIndex detailedWorkActivity
    originalTask emergingCategory socLevel experience education jobTraining jobZoneExamples
    svpRange iscoGroup escoStatus regulatedProfessionNote
    codeCarryMethod onetSoc2010Code inheritedFrom
""" + _TEXT_SEARCH_TERMS)

SKOS = ClosedNamespace("skos", "http://www.w3.org/2004/02/skos/core#", """
    Concept ConceptScheme Collection OrderedCollection
    prefLabel altLabel hiddenLabel notation definition scopeNote note example
    inScheme hasTopConcept topConceptOf broader narrower related broaderTransitive
    narrowerTransitive member memberList semanticRelation
    exactMatch closeMatch broadMatch narrowMatch relatedMatch mappingRelation
""")

RDF = ClosedNamespace("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
                      "type Property langString value first rest nil List")
RDFS = ClosedNamespace("rdfs", "http://www.w3.org/2000/01/rdf-schema#", """
    Class Resource Literal Datatype label comment seeAlso isDefinedBy subClassOf
    subPropertyOf domain range member
""")
OWL = ClosedNamespace("owl", "http://www.w3.org/2002/07/owl#", """
    Ontology Class ObjectProperty DatatypeProperty AnnotationProperty FunctionalProperty
    versionInfo versionIRI imports equivalentClass equivalentProperty sameAs
    NamedIndividual Thing annotatedSource annotatedProperty annotatedTarget
""")
XSD = ClosedNamespace("xsd", "http://www.w3.org/2001/XMLSchema#", """
    string integer decimal double float boolean date dateTime gYear gYearMonth anyURI
    nonNegativeInteger positiveInteger
""")
DCTERMS = ClosedNamespace("dcterms", "http://purl.org/dc/terms/", """
    title description identifier publisher creator contributor license rights issued
    modified created date source references isReferencedBy hasVersion isVersionOf
    conformsTo bibliographicCitation subject type format language rightsHolder
    BibliographicResource Agent LicenseDocument
""")
PROV = ClosedNamespace("prov", "http://www.w3.org/ns/prov#", """
    Entity Activity Agent wasDerivedFrom wasGeneratedBy wasAttributedTo hadPrimarySource
    generatedAtTime used startedAtTime endedAtTime wasRevisionOf
""")
DCAT = ClosedNamespace("dcat", "http://www.w3.org/ns/dcat#", """
    Dataset Distribution Catalog Resource DataService landingPage downloadURL accessURL
    mediaType version keyword theme distribution dataset
    hasVersion hasCurrentVersion previousVersion
""")
SCHEMA = ClosedNamespace("schema", "https://schema.org/", """
    Occupation name description url identifier occupationalCategory educationRequirements
    skills sameAs
""")
FOAF = ClosedNamespace("foaf", "http://xmlns.com/foaf/0.1/", "homepage page name Organization")
SH = ClosedNamespace("sh", "http://www.w3.org/ns/shacl#", """
    NodeShape PropertyShape SPARQLExecutable SPARQLSelectExecutable select prefixes declare
    prefix namespace targetClass path SPARQLConstructExecutable SPARQLAskExecutable construct ask
""")
ESCO = ClosedNamespace("esco", "http://data.europa.eu/esco/model#",
                       "Occupation Skill MemberConcept")
# SSSOM's RDF terms (https://mapping-commons.github.io/sssom/) and the SEMAPV justifications.
SSSOM = ClosedNamespace("sssom", "https://w3id.org/sssom/", """
    Mapping MappingSet mappings mapping_justification confidence similarity_score
    similarity_measure subject_label object_label subject_source object_source
    mapping_set_id author_label creator_label
""")
SEMAPV = ClosedNamespace("semapv", "https://w3id.org/semapv/vocab/", """
    ManualMappingCuration LexicalMatching MappingChaining StructuralMatching
    UnspecifiedMatching SemanticSimilarityThresholdMatching MappingReview CompositeMatching
    LogicalReasoning BackgroundKnowledgeBasedMatching
""")

# Vocabularies of the formats frameworks are exported in (export/ctdl.py), not of the graph:
# kept out of PREFIXES so the graph's documents and dumps do not declare them.
CEASN = ClosedNamespace("ceasn", "https://purl.org/ctdlasn/terms/", """
    CompetencyFramework Competency name description inLanguage publisherName publisher
    creator dateModified hasTopChild isTopChildOf isPartOf isChildOf hasChild competencyText
    competencyLabel competencyCategory listID comment license rights source
    conceptKeyword
""")
CETERMS = ClosedNamespace("ceterms", "https://purl.org/ctdl/terms/", "ctid")
ASN = ClosedNamespace("asn", "http://purl.org/ASN/schema/core/", """
    ProgressionModel ProgressionLevel hasProgressionLevel hasProgressionModel
""")

PREFIXES: dict[str, str] = {
    ns.prefix: ns.iri
    for ns in (NSX, SKOS, RDF, RDFS, OWL, XSD, DCTERMS, PROV, DCAT, SCHEMA, FOAF, SH, ESCO,
               SSSOM, SEMAPV)
}
