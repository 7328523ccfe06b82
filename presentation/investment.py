"""The Investering page's words for the investment figures ``queries`` returns: the note on a published case
whose stated net differs from its own lines, the scenario's assumptions, the scenario table's columns."""

from __future__ import annotations

from pipelines.investment_model import REFUSION_STEPS
from presentation.formatting import fmt_int, fmt_mio, fmt_pct

# A difference of less than this shows as "0,0 mio. kr." beside figures rounded the same way: not worth a note.
NOTEWORTHY_DIFFERENCE = 0.05e6

SCENARIO_COLUMNS: dict[str, str] = {
    "year": "År",
    "investment": "Investering (kr.)",
    "avoided": "Undgåede udgifter (kr.)",
    "net": "Nettoresultat (kr.)",
    "cumulative": "Akkumuleret resultat (kr.)",
    "recipients_avoided": "Færre modtagere (fuldtidspersoner)",
}
# Kroner in whole kroner; full-time persons to one decimal.
SCENARIO_DECIMALS: dict[str, int] = {"investment": 0, "avoided": 0, "net": 0, "cumulative": 0, "recipients_avoided": 1}


def discrepancy_note(case) -> str:
    """A published case's stated net beside the net of its lines, when they differ visibly; "" otherwise."""
    if case.discrepancy is None or abs(case.discrepancy) < NOTEWORTHY_DIFFERENCE:
        return ""
    return (
        f"Kilden oplyser en nettobesparelse på {fmt_mio(case.stated_net)}, men posterne giver "
        f"{fmt_mio(case.computed_net)} (forskel {fmt_mio(case.discrepancy)}). Begge tal vises; "
        "forskellen er ikke forklaret i kilden."
    )


def assumption(result) -> str:
    """The scenario's assumptions as one line for the chart's caption."""
    steps = "/".join(fmt_int(100 * rate) for *_, rate in REFUSION_STEPS)
    return (
        f"Antagelser: kommunens nettoudgift er {fmt_pct(100 * result.municipal_share, 0)} af ydelsen efter "
        f"refusionstrappen ({steps} %) ved {fmt_int(result.weeks_on_benefit)} uger på ydelse"
    )
