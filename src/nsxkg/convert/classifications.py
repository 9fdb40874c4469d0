"""SOC 2018 structure and the CIP 2020 → O*NET-SOC 2019 crosswalk → quads."""

from __future__ import annotations

from pyoxigraph import NamedNode

from nsxkg.convert.terms import Triple, en, string
from nsxkg.iris import Iris
from nsxkg.namespaces import DCAT, DCTERMS, NSX, RDF, SKOS
from nsxkg.sources.cip import CipToSoc
from nsxkg.sources.soc import SocGroup

US_PUBLIC_DOMAIN = NamedNode("https://www.usa.gov/government-copyright")
CC_BY = NamedNode("https://creativecommons.org/licenses/by/4.0/")


def soc_dataset(graph: NamedNode) -> list[Triple]:
    return [
        (graph, RDF.type, DCAT.Dataset),
        (graph, DCTERMS.title, en("2018 Standard Occupational Classification (SOC)")),
        (graph, DCTERMS.publisher, string("U.S. Bureau of Labor Statistics")),
        (graph, DCAT.version, string("2018")),
        (graph, DCTERMS.license, US_PUBLIC_DOMAIN),
        (graph, DCTERMS.rights, en("U.S. Government work, public domain.")),
        (graph, DCAT.landingPage, NamedNode("https://www.bls.gov/soc/2018/")),
    ]


def soc_group(iris: Iris, row: SocGroup) -> list[Triple]:
    node = iris.soc_group(row.code)
    scheme = iris.scheme("soc-2018")
    out: list[Triple] = [
        (node, RDF.type, NSX.SOCGroup), (node, RDF.type, SKOS.Concept),
        (node, SKOS.notation, string(row.code)),
        (node, SKOS.prefLabel, en(row.title)),
        (node, NSX.socLevel, string(row.level)),
        (node, SKOS.inScheme, scheme),
        (scheme, RDF.type, SKOS.ConceptScheme),
        (scheme, SKOS.prefLabel, en("SOC 2018")),
    ]
    if row.definition:
        out.append((node, SKOS.definition, en(row.definition)))
    if row.parent:
        out.append((node, SKOS.broader, iris.soc_group(row.parent)))
    else:
        out += [(node, SKOS.topConceptOf, scheme), (scheme, SKOS.hasTopConcept, node)]
    return out


def cip_dataset(graph: NamedNode) -> list[Triple]:
    return [
        (graph, RDF.type, DCAT.Dataset),
        (graph, DCTERMS.title, en("CIP 2020 to O*NET-SOC 2019 education crosswalk")),
        (graph, DCTERMS.publisher, string("National Center for O*NET Development")),
        (graph, DCAT.version, string("2020")),
        (graph, DCTERMS.license, CC_BY),
        (graph, DCTERMS.rights, en("This product includes information from the O*NET "
                                   "Education crosswalk by USDOL/ETA, used under CC BY 4.0.")),
        (graph, DCAT.landingPage, NamedNode("https://www.onetcenter.org/crosswalks.html")),
    ]


def cip_link(iris: Iris, row: CipToSoc) -> list[Triple]:
    program = iris.cip(row.cip_code)
    scheme = iris.scheme("cip-2020")
    return [
        (program, RDF.type, NSX.EducationProgram), (program, RDF.type, SKOS.Concept),
        (program, SKOS.notation, string(row.cip_code)),
        (program, SKOS.prefLabel, en(row.cip_title)),
        (program, SKOS.inScheme, scheme),
        (scheme, RDF.type, SKOS.ConceptScheme),
        (scheme, SKOS.prefLabel, en("Classification of Instructional Programs 2020")),
        (iris.occupation(row.code), NSX.educationProgram, program),
    ]
