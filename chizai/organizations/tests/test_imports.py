"""The permission rules never import the models at run time: the models' `visible_to` calls the rules."""

from __future__ import annotations

import grimp


def test_it_imports_the_organisation_models_in_the_rules_for_annotations_only() -> None:
    graph = grimp.build_graph("chizai", exclude_type_checking_imports=True)

    imported = graph.find_modules_directly_imported_by("chizai.organizations.permissions")

    assert "chizai.organizations.models" not in imported
    assert "chizai.organizations.permissions" in graph.find_modules_directly_imported_by("chizai.organizations.models")
