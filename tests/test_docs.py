"""The README's generated tables are current, and every field and indicator is documented."""

from __future__ import annotations

from tests.conftest import ROOT
from tieredcare import docs
from tieredcare.metrics import INDICATORS

README = ROOT / "README.md"


def test_generated_tables_are_up_to_date():
    text = README.read_text(encoding="utf-8")
    assert docs.update(text) == text, (
        "README tables are out of date: run `python -m tieredcare.docs --write README.md`")


def test_every_field_has_a_unit_a_default_and_a_source_or_assumption():
    rows = docs.parameter_rows()
    assert len(rows) > 100
    missing = [r["key"] for r in rows if not r["unit"] or not r["source"]]
    assert not missing, f"fields without a unit or source: {missing}"
    text = README.read_text(encoding="utf-8")
    assert all(f"`{r['key']}`" in text for r in rows)


def test_every_indicator_is_in_the_readme():
    text = README.read_text(encoding="utf-8")
    assert all(f"`{name}`" in text for name in INDICATORS)
