"""Named sources: `biorxiv:<subject>`, `medrxiv:<subject>`, `arxiv:<cat>[+<cat>...]`, or a URL."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.feeds.parsed import ARXIV_RSS, BIORXIV_RDF

BIORXIV_SUBJECTS = [
    "all",
    "animal_behavior_and_cognition",
    "biochemistry",
    "bioengineering",
    "bioinformatics",
    "biophysics",
    "cancer_biology",
    "cell_biology",
    "clinical_trials",
    "developmental_biology",
    "ecology",
    "epidemiology",
    "evolutionary_biology",
    "genetics",
    "genomics",
    "immunology",
    "microbiology",
    "molecular_biology",
    "neuroscience",
    "paleontology",
    "pathology",
    "pharmacology_and_toxicology",
    "physiology",
    "plant_biology",
    "scientific_communication_and_education",
    "synthetic_biology",
    "systems_biology",
    "zoology",
]

MEDRXIV_SUBJECTS = [
    "all",
    "addiction_medicine",
    "allergy_and_immunology",
    "anesthesia",
    "cardiovascular_medicine",
    "dentistry_and_oral_medicine",
    "dermatology",
    "emergency_medicine",
    "endocrinology",
    "epidemiology",
    "forensic_medicine",
    "gastroenterology",
    "genetic_and_genomic_medicine",
    "geriatric_medicine",
    "health_economics",
    "health_informatics",
    "health_policy",
    "health_systems_and_quality_improvement",
    "hematology",
    "hiv_aids",
    "infectious_diseases",
    "intensive_care_and_critical_care_medicine",
    "medical_education",
    "medical_ethics",
    "nephrology",
    "neurology",
    "nursing",
    "nutrition",
    "obstetrics_and_gynecology",
    "occupational_and_environmental_health",
    "oncology",
    "ophthalmology",
    "orthopedics",
    "otolaryngology",
    "pain_medicine",
    "palliative_medicine",
    "pathology",
    "pediatrics",
    "pharmacology_and_therapeutics",
    "primary_care_research",
    "psychiatry_and_clinical_psychology",
    "public_and_global_health",
    "radiology_and_imaging",
    "rehabilitation_medicine_and_physical_therapy",
    "respiratory_medicine",
    "rheumatology",
    "sexual_and_reproductive_health",
    "sports_medicine",
    "surgery",
    "toxicology",
    "transplantation",
    "urology",
]

# arXiv archives; a category is an archive or `archive.SUBJECT` (q-bio.QM, cs.LG, astro-ph.GA).
ARXIV_ARCHIVES = [
    "astro-ph",
    "cond-mat",
    "cs",
    "econ",
    "eess",
    "gr-qc",
    "hep-ex",
    "hep-lat",
    "hep-ph",
    "hep-th",
    "math",
    "math-ph",
    "nlin",
    "nucl-ex",
    "nucl-th",
    "physics",
    "q-bio",
    "q-fin",
    "quant-ph",
    "stat",
]

_ARXIV_CATEGORY = re.compile(r"^(?P<archive>[a-z-]+)(?:\.(?P<subject>[A-Za-z-]+))?$")
_URL = re.compile(r"^https?://[^\s/]+", re.IGNORECASE)
_RXIV_FEED_URL = {
    "biorxiv": "https://connect.biorxiv.org/biorxiv_xml/{subject}",
    "medrxiv": "https://connect.medrxiv.org/medrxiv_xml/{subject}",
}
_ARXIV_FEED_URL = "https://rss.arxiv.org/rss/{categories}"


class UnknownSource(ValueError):
    """A source name that is not in the catalogue; the message lists what would work."""


@dataclass(frozen=True)
class Source:
    url: str
    name: str | None  # the catalogue name it came from; None for plain URLs
    kind: str  # what we expect; the content decides after the first poll


def resolve_source(text: str) -> Source:
    """Turn `biorxiv:neuroscience`, `arxiv:q-bio.QM+cs.LG` or an http(s) URL into a Source."""
    value = text.strip()
    if _URL.match(value):
        return Source(url=value, name=None, kind="unknown")  # the first poll tells
    prefix, _, rest = value.partition(":")
    prefix = prefix.lower()
    if prefix in _RXIV_FEED_URL and rest:
        return _rxiv_source(prefix, rest)
    if prefix == "arxiv" and rest:
        return _arxiv_source(rest)
    raise UnknownSource(
        f"{value!r} is not a feed source: use biorxiv:<subject>, medrxiv:<subject> "
        "(e.g. biorxiv:neuroscience, medrxiv:all), arxiv:<category>[+<category>] "
        "(e.g. arxiv:q-bio.QM+cs.LG), or an http(s) feed URL"
    )


def _rxiv_source(server: str, subject_text: str) -> Source:
    subject = re.sub(r"[\s-]+", "_", subject_text.strip().lower())
    subjects = BIORXIV_SUBJECTS if server == "biorxiv" else MEDRXIV_SUBJECTS
    if subject not in subjects:
        raise UnknownSource(
            f"{server} has no subject {subject_text!r}; choose one of: {', '.join(subjects)}"
        )
    url = _RXIV_FEED_URL[server].format(subject=subject)
    return Source(url=url, name=f"{server}:{subject}", kind=BIORXIV_RDF)


def _arxiv_source(categories_text: str) -> Source:
    categories = [part.strip() for part in categories_text.split("+") if part.strip()]
    for category in categories:
        match = _ARXIV_CATEGORY.match(category)
        if not match or match.group("archive") not in ARXIV_ARCHIVES:
            raise UnknownSource(
                f"{category!r} is not an arXiv category: write archive or archive.SUBJECT "
                f"(e.g. cs.LG, q-bio.QM, math); archives: {', '.join(ARXIV_ARCHIVES)}"
            )
    if not categories:
        raise UnknownSource("arxiv: needs at least one category, e.g. arxiv:cs.LG")
    joined = "+".join(categories)
    return Source(
        url=_ARXIV_FEED_URL.format(categories=joined), name=f"arxiv:{joined}", kind=ARXIV_RSS
    )
