"""CUI Registry vocabulary: category markings (for display) and limited dissemination controls.

Categories are open-ended: the Registry adds and renames them, so a mark is checked only
for the shape of a category marking (``ABC`` or ``SP-ABC``) and this table only supplies
display names. The names below are the Registry's category markings as published in the
NIEM 5.0 CUI vocabulary (auxiliary/cui.xsd); nothing here is guessed.

Limited dissemination controls (LDCs) are a closed list set by the CUI Executive Agent
(32 CFR 2002.16), so they are validated exactly. Each has a portion form and a banner
form (NOFORN is ``NF`` in a portion); the tuple order is the Registry's LDC table order,
which is also the order controls are written in a mark or banner.
"""

from __future__ import annotations

from dataclasses import dataclass

CATEGORY_NAMES: dict[str, str] = {
    "ADJ": "Status Adjustment",
    "ADPO": "Administrative Proceedings",
    "AG": "Agriculture",
    "AIV": "Accident Investigation",
    "APP": "Patent Applications",
    "ARCHR": "Archaeological Resources",
    "ASYL": "Asylee",
    "BARG": "Collective Bargaining",
    "BATT": "Battered Spouse or Child",
    "BUDG": "Budget",
    "CCI": "Consumer Complaint Information",
    "CEII": "Critical Energy Infrastructure Information",
    "CENS": "US Census",
    "CHLD": "Child Pornography",
    "CHRI": "Criminal History Records Information",
    "CMPRS": "Committed Person",
    "COMPT": "Comptroller General",
    "CONREG": "Entity Registration Information",
    "CONTRACT": "Contract Use",
    "CONV": "Tax Convention",
    "CRIT": "General Critical Infrastructure Information",
    "CRITAN": "Ammonium Nitrate",
    "CTI": "Controlled Technical Information",
    "CVI": "Chemical-terrorism Vulnerability Information",
    "CVIC": "Child Victim/Witness",
    "DCNI": "Unclassified Controlled Nuclear Information - Defense",
    "DCRIT": "DoD Critical Infrastructure Security Information",
    "DREC": "Death Records",
    "EMGT": "Emergency Management",
    "EXPT": "Export Controlled",
    "EXPTR": "Export Controlled Research",
    "FHFANPI": "Federal Housing Finance Non-Public Information",
    "FINT": "International Financial Institutions",
    "FISA": "Foreign Intelligence Surveillance Act",
    "FISAB": "Foreign Intelligence Surveillance Act Business Records",
    "FNC": "General Financial Information",
    "FSEC": "Bank Secrecy",
    "FSI": "Financial Supervision Information",
    "FUND": "Campaign Funds",
    "GENETIC": "Genetic Information",
    "GEO": "Geodetic Product Information",
    "HISTP": "Historic Properties",
    "HLTH": "Health Information",
    "ID": "Internal Data",
    "IFNC": "Intelligence Financial Records",
    "INF": "Informant",
    "INTEL": "General Intelligence",
    "INTL": "International Agreement Information",
    "INV": "Investigation",
    "INVENT": "Inventions",
    "ISVI": "Information Systems Vulnerability Information",
    "IVIC": "Victims of Human Trafficking",
    "JURY": "Federal Grand Jury",
    "JUV": "Juvenile",
    "LCOMM": "Communications",
    "LDNA": "DNA",
    "LEI": "General Law Enforcement",
    "LFNC": "Law Enforcement Financial Records",
    "LMI": "Legislative Materials",
    "LPROT": "Protective Order",
    "LSCRN": "Terrorist Screening",
    "LVIC": "Victim",
    "MERG": "Mergers",
    "MFC": "Proprietary Manufacturer",
    "MIL": "Military Personnel Records",
    "NETW": "Net Worth",
    "NNPI": "Naval Nuclear Propulsion Information",
    "NPSR": "National Park System Resources",
    "NUC": "General Nuclear",
    "OCCMTO": "Ocean Common Carrier and Marine Terminal Operator",
    "PCII": "Protected Critical Infrastructure Information",
    "PERS": "Personnel Records",
    "PEST": "Pesticide Producer Survey",
    "PHYS": "Physical Security",
    "POST": "Proprietary Postal",
    "PRE": "Presentence Report",
    "PRIIG": "Inspector General Protected",
    "PRIOR": "Prior Arrest",
    "PRIVILEGE": "Legal Privilege",
    "PROCURE": "General Procurement and Acquisition",
    "PROPIN": "General Proprietary Business Information",
    "PROT": "Temporary Protected Status",
    "PRVCY": "General Privacy",
    "PSEC": "Secrecy Orders",
    "RAIL": "Railroad Safety Analysis Records",
    "RECCOM": "Nuclear Recommendation Material",
    "RESD": "Permanent Resident Status",
    "RTR": "Retirement",
    "RWRD": "Reward",
    "SAFE": "SAFETY Act Information",
    "SBIZ": "Small Business Research and Technology",
    "SCV": "Sex Crime Victim",
    "SERV": "Ocean Common Carrier Service Contracts",
    "SGI": "Safeguards Information",
    "SRI": "Nuclear Security-Related Information",
    "SSEL": "Source Selection",
    "SSI": "Sensitive Security Information",
    "STAT": "Statistical Information",
    "STUD": "Student Records",
    "SUB": "Controlled Substances",
    "SURV": "Investment Survey",
    "TAI": "Taxpayer Advocate Information",
    "TAX": "Federal Taxpayer Information",
    "TRACE": "Pen Register/Trap & Trace",
    "TSCA": "Toxic Substances",
    "UCNI": "Unclassified Controlled Nuclear Information - Energy",
    "VISA": "Visas",
    "WATER": "Water Assessments",
    "WDT": "Written Determinations",
    "WHSTL": "Whistleblower Identity",
    "WIT": "Witness Protection",
    "XFER": "Electronic Funds Transfer",
}

SPECIFIED_PREFIX = "SP-"


@dataclass(frozen=True)
class Control:
    portion: str  # as written in a portion mark
    banner: str  # as written in a banner line
    name: str
    takes_countries: bool = False
    needs_privilege: bool = False  # only with the Legal Privilege category


CONTROLS: tuple[Control, ...] = (
    Control("NF", "NOFORN", "No foreign dissemination"),
    Control("FED ONLY", "FED ONLY", "Federal Employees Only"),
    Control("FEDCON", "FEDCON", "Federal Employees and Contractors Only"),
    Control("NOCON", "NOCON", "No dissemination to contractors"),
    Control("DL ONLY", "DL ONLY", "Dissemination list controlled"),
    Control("REL TO", "REL TO", "Authorized for release to certain nationals only", True),
    Control("DISPLAY ONLY", "DISPLAY ONLY", "Display only", True),
    Control("AC", "ATTORNEY-CLIENT", "Attorney Client", needs_privilege=True),
    Control("AWP", "ATTORNEY-WP", "Attorney Work Product", needs_privilege=True),
    Control("DELIB", "DELIBERATIVE", "Deliberative Process", needs_privilege=True),
)

# Every spelling accepted in a portion mark, to its control. Banner forms are accepted in
# portions too (people write NOFORN where the handbook wants NF); the canonical mark uses
# the portion form.
CONTROL_SPELLINGS: dict[str, Control] = {
    **{c.banner: c for c in CONTROLS},
    **{c.portion: c for c in CONTROLS},
}
CONTROL_ORDER: dict[str, int] = {c.portion: i for i, c in enumerate(CONTROLS)}
NOFORN = CONTROLS[0]
REL_TO = CONTROLS[5]
DISPLAY_ONLY = CONTROLS[6]


def describe_category(marking: str) -> str | None:
    """The Registry name of a category marking, e.g. ``SP-PRVCY`` -> ``General Privacy
    (Specified)``; None for a marking this table does not know."""
    specified = marking.startswith(SPECIFIED_PREFIX)
    name = CATEGORY_NAMES.get(marking.removeprefix(SPECIFIED_PREFIX))
    if name is None:
        return None
    return f"{name} (Specified)" if specified else name


def describe_control(marking: str) -> str | None:
    """The name of a limited dissemination control in portion or banner form."""
    head = marking
    for prefix in (REL_TO.portion, DISPLAY_ONLY.portion):
        if marking.startswith(prefix):
            head = prefix
    control = CONTROL_SPELLINGS.get(head)
    return None if control is None else control.name
