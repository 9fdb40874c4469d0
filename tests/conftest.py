"""Session fixtures: the real framework built, validated and loaded once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nsxkg.build import build
from nsxkg.store import load, open_store
from nsxkg.validate import validate_build
from support import Loaded, make_settings


@pytest.fixture(scope="session")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    tmp = tmp_path_factory.mktemp("graph")
    settings = make_settings(tmp)
    manifest = build(settings)
    report = validate_build(settings.build_dir, settings.shapes)
    assert report.conforms, "\n".join(v.render() for v in report.violations)
    load(settings.build_dir, settings.store_dir)
    store, info = open_store(settings.store_dir)
    yield Loaded(settings, manifest, store, info)
