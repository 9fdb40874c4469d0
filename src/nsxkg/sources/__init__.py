"""Readers that stream source releases (O*NET, ESCO, SOC 2018, CIP) into typed rows.

Pure I/O: no RDF here. Every row is a frozen dataclass carrying its row number, and a
malformed cell raises ``nsxkg.errors.RowError`` naming file, row and column.
"""

from nsxkg.sources.esco import EscoRelease
from nsxkg.sources.onet import OnetRelease
from nsxkg.sources.tabular import AbsentFile, Row, TableFile, YearMonth, read_rows

__all__ = ["AbsentFile", "EscoRelease", "OnetRelease", "Row", "TableFile", "YearMonth", "read_rows"]
