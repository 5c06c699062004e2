"""How residents seek care: the facility choice, the outside options, and trust learnt.

:class:`Choice` weighs cost, travel, waits and quality; :class:`CareSeeking` sets the
options of not going to a facility; :class:`Trust` how experience moves perceived quality.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from tieredcare.config.fields import ASSUMPTION, MAX_CNY, Section, param


class Choice(Section):
    """Weights of the multinomial-logit facility choice (DESIGN §4)."""

    cost: float = param(0.6, "utility per unit of cost term", "calibrated to WTP ~86–103 CNY to "
                        "cut travel below 30 min (Jia et al. 2020)",
                        "Weight of out-of-pocket cost. The cost term is ln(1 + OOP / daily "
                        "income) (``cost_form: log``) or OOP / daily income (``linear``).",
                        ge=0.0, le=50.0)
    cost_form: Literal["log", "linear"] = param(
        "log", "log | linear", ASSUMPTION,
        "How cost enters utility. ``log`` is near-linear for small bills and less steep for "
        "large ones, so one weight fits both ~100 CNY trade-offs against travel and the "
        "hospital bills patients accept for serious illness.")
    travel: float = param(1.3, "utility per hour", "Yu et al. BMJ Open 2021 (travel ≤ 1 h, β 1.3)",
                          "Weight of one-way travel time.", ge=0.0, le=50.0)
    wait: float = param(0.6, "utility per day", ASSUMPTION,
                        "Weight of the expected wait in days (for a bed, or for a later day's "
                        "outpatient slot) seen in yesterday's queue.", ge=0.0, le=50.0)
    outpatient_wait: float = param(
        1.3, "utility per hour", "assumption: an hour in the waiting room weighs as an hour "
        "of travel (Yu et al. BMJ Open 2021, β 1.3 per hour)",
        "Weight of the expected wait for a doctor within the day, as patients heard of it "
        "over the last days (see service.wait_memory_days).", ge=0.0, le=50.0)
    quality: list[Annotated[float, Field(ge=0.0, le=50.0)]] = param(
        lambda: [6.0, 9.0, 9.0, 12.0], "utility per quality unit", "DCEs: quality weighs more "
        "with severity (targets.md); magnitudes calibrated to primary share 50–56 % and county "
        "retention 80–90 %",
        "Weight of facility quality for severity 1, 2, 3 and 4.", min_length=4, max_length=4)
    capable: float = param(4.0, "utility", "Yu et al. 2021: treatment effect dominates (β 4.5)",
                           "Bonus for a facility that can treat the severity and service line.",
                           ge=0.0, le=50.0)
    contract: float = param(1.0, "utility", "BMC HSR 2019: trust in village doctor OR 7.3",
                            "Bonus for the facility of the patient's own family doctor.",
                            ge=0.0, le=50.0)
    referred: float = param(1.5, "utility", ASSUMPTION,
                            "Bonus for the facility the patient holds a referral to.",
                            ge=0.0, le=50.0)


class CareSeeking(Section):
    """Whether an episode is taken to a facility at all (the outside options of the choice).

    At onset each episode chooses among its facilities, self-treatment (a pharmacy, home
    remedies) and no care, by the same logit as the facilities. The outside options'
    utilities are constants by severity (calibrated to the National Health Services
    Survey, see README), self-treatment also paying its cost through the cost term; so
    care is forgone more often when facilities are dear or far relative to income.
    """

    enabled: bool = param(True, "yes/no", "-",
                          "Episodes may be self-treated or go without care; if no, every "
                          "episode seeks a facility (the default onset rates count the "
                          "episodes not taken to a doctor, so demand then rises by about "
                          "40 %).")
    self_treatment: list[Annotated[float, Field(ge=-50.0, le=50.0)]] = param(
        lambda: [5.73, 4.73, 5.09, 3.09], "utility", "calibrated to CHARLS, NHSS 2018 and a rural "
        "survey (scripts/calibrate_care_seeking.py; README)",
        "Utility of self-treatment for severity 1, 2, 3 and 4, on the scale of the facility "
        "utilities.", min_length=4, max_length=4)
    no_care: list[Annotated[float, Field(ge=-50.0, le=50.0)]] = param(
        lambda: [5.78, 4.78, 6.09, 4.09], "utility", "calibrated to CHARLS, NHSS 2018 and a "
        "rural survey (scripts/calibrate_care_seeking.py; README)",
        "Utility of going without any care for severity 1, 2, 3 and 4.",
        min_length=4, max_length=4)
    self_treatment_cost: float = param(
        30.0, "CNY per episode", ASSUMPTION,
        "What self-treatment costs the patient (medicines bought at a pharmacy).",
        ge=0.0, le=MAX_CNY)


class Trust(Section):
    """How residents learn the quality of facilities from experience.

    See :mod:`tieredcare.behaviour.trust`.
    """

    enabled: bool = param(True, "yes/no", "-",
                          "Perceived quality is learnt by village from experience; if no, "
                          "patients perceive each facility's quality as it is, at once.")
    word_of_mouth_reach: float = param(
        1.5, "residents per experience", "assumption: chosen so a village's view of its "
        "township centre has a half-life of about 3 months (a 3–6 month convention; no "
        "published updating rate was found, see README)",
        "Residents whose view of a facility one patient's experience moves fully; a village "
        "of N residents moves reach/N of the way towards each experience.", ge=0.0, le=1000.0)
    referred_on_penalty: float = param(
        0.2, "quality index points", ASSUMPTION,
        "What a contact that could not treat and referred on takes off the experience.",
        ge=0.0, le=1.0)
    long_wait_penalty: float = param(
        0.1, "quality index points", ASSUMPTION,
        "What a wait longer than long_wait_days takes off the experience.", ge=0.0, le=1.0)
    long_wait_days: int = param(1, "days", ASSUMPTION,
                                "Waits longer than this count as long.", ge=0, le=365)
    left_queue_penalty: float = param(
        0.3, "quality index points", ASSUMPTION,
        "What giving up in the queue takes off the experience of the facility.",
        ge=0.0, le=1.0)
