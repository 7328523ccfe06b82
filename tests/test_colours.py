"""A category keeps its colour whatever else a chart shows (issue #23: aktivitetsparat was blue, orange or pink)."""

from __future__ import annotations

import altair as alt

from presentation import colours


def test_a_category_has_one_colour_in_any_company():
    alone = colours.scale_for(["Aktivitetsparat"])
    mixed = colours.scale_for(["Jobklar", "Jobparat", "Aktivitetsparat", "Uddannelsesparat"])
    assert alone["range"] == [colours.COLOURS["aktivitetsparat"]]
    assert dict(zip(mixed["domain"], mixed["range"], strict=True))["Aktivitetsparat"] == alone["range"][0]


def test_aliases_and_labels_find_the_same_code():
    assert colours.code_of("Aktivitetsparate") == colours.code_of("aktivitetsparat") == "aktivitetsparat"
    assert colours.code_of("Åbenlyst uddannelsesparat") == "aabenlyst_uddannelsesparat"
    assert colours.code_of("Særlige behov (SOF)") is None
    assert colours.code_of("1") is None


def test_every_category_of_a_long_series_differs():
    names = ["Matchgruppe 1", "Matchgruppe 4", "Jobklar", "Indsatsklar", "Midlertidigt passiv", "Jobparat"]
    names += ["Aktivitetsparat", "Uddannelsesparat", "Åbenlyst uddannelsesparat", "Uoplyst visitationskategori"]
    scale = colours.scale_for(names)
    assert len(set(scale["range"])) == len(names)


def test_other_series_keep_their_colour_too():
    first = colours.scale_for(["Alle modtagere", "Særlige behov (SOF)"])
    second = colours.scale_for(["Særlige behov (SOF)"])
    assert first["range"][1] == second["range"][0]
    assert alt.Scale(**first).to_dict()["domain"] == ["Alle modtagere", "Særlige behov (SOF)"]
