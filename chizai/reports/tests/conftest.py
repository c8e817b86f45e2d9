"""The documents' tests use the PDCA world shared with the export tests (chizai/pdca/tests/fixtures_content.py)."""

from chizai.pdca.tests import fixtures_content as content

plan, period, world = content.plan, content.period, content.world
