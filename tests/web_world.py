"""A small real world for the web tests: journal profiles, a trained model, scored preprints.

Everything goes through production code: papers are imported, a model is trained on them
(`train_from_store`), preprints are stored and scored as a poll would (`score_after_poll`),
so the pages show the numbers the model really gives. The preprint titles and authors are
the seed page's (Medical Image Analysis); their abstracts use each journal's topic words.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from bot.config import Settings
from bot.matching.scorer import score_after_poll
from bot.matching.train import train_from_store
from bot.records.paper import Paper
from bot.records.preprint import Preprint
from bot.store import Store
from bot.store.preprints import upsert_preprints
from bot.store.profiles import (
    ProfileSummary,
    add_alias,
    find_profile,
    import_papers,
    upsert_profile,
)

TOPICS = {
    "Medical Image Analysis": "segmentation mri cardiac imaging deep network dice ventricle",
    "NeuroImage": "fmri cortex diffusion tractography connectivity brain resting",
    "Nucleic Acids Research": "rna dna polymerase transcription helicase ribosome splicing",
    "Genome Research": "genome assembly sequencing variant haplotype chromosome alignment",
    "The Lancet Infectious Diseases": "malaria vaccine trial cohort infection sepsis antibiotic",
}
BACKGROUND = "study method results data analysis model approach propose performance cohort"
PUBLISHERS = {"Medical Image Analysis": "Elsevier BV", "NeuroImage": "Elsevier BV"}
SMALL_JOURNAL = "Journal of Rare Observations"  # too few papers: not in the model
CUSTOM = "Smith lab"

SEED_TITLES = (
    (
        "CorSeg-CineSAX: An Open-Source Deep Learning Framework for Fully Automatic Segmentation "
        "of Short-Axis Cine Cardiac MRI Across Multiple Cardiac Diseases",
        ("Xu, R.", "Jiang, S.", "Zhai, Y.", "Chen, Y."),
        "cardiovascular medicine",
    ),
    (
        "Differential Network-Based Causal Graph Learning for Cardiovascular Recurrence Risk "
        "Prediction and Factor Discovery",
        ("Zhou, M.", "Zhang, M.", "Wang, J.", "Shao, C.", "Yan, G."),
        "cardiovascular medicine",
    ),
    (
        "Hierarchical Barycentric Multimodal Representation Learning for Medical Image Analysis",
        ("Qiu, P.", "An, Z.", "Ha, S.", "Kumar, S.", "Yu, X.", "Sotiras, A."),
        "neurology",
    ),
    (
        "FiberLM: A Transformer-Based Model for Mouse Brain Diffusion MRI Tractography Guided by "
        "Viral Tracer Data",
        ("Wen, R.", "Zhang, J.", "Liang, Z."),
        "neuroscience",
    ),
    (
        "Bi-cross-validation: a data-driven method to evaluate dynamic functional connectivity "
        "models in fMRI",
        ("Wei, Y.", "Smith, S. M.", "Gohil, C.", "Huang, R."),
        "neuroscience",
    ),
)
TITLE_ATTACK = "<script>alert('title')</script> & a “quoted” title"


@dataclass(frozen=True)
class World:
    today: date
    preprint_ids: tuple[str, ...]
    seed_ids: tuple[str, ...]  # the seed page's preprints, best for Medical Image Analysis


def _words(rng: random.Random, journal: str, n: int, share: float = 1.0) -> str:
    """n words, `share` of them from the journal's topic, the rest from everyone's."""
    pool = " ".join([BACKGROUND, *TOPICS.values()]).split()
    topic = TOPICS[journal].split()
    return " ".join(rng.choice(topic if rng.random() < share else pool) for _ in range(n))


def _profiles(store: Store, rng: random.Random) -> None:
    papers = [
        Paper(
            title=_words(rng, j, 5, 0.2),
            abstract=_words(rng, j, 20, 0.12) + ".",
            journal=j,
            category="bioinformatics",
        )
        for j, n in zip(TOPICS, (33, 21, 18, 15, 12), strict=True)
        for _ in range(n)
    ]
    papers += [Paper(title="A rare sighting", abstract="Comets and owls.", journal=SMALL_JOURNAL)]
    import_papers(store, papers, source="test")
    with store.session() as session:
        for name, publisher in PUBLISHERS.items():
            upsert_profile(session, name, publisher=publisher)
        add_alias(session, upsert_profile(session, "Medical Image Analysis")[0], "Med Image Anal")
    lab = [
        Paper(title=_words(rng, "NeuroImage", 5), abstract=_words(rng, "NeuroImage", 20))
        for _ in range(6)
    ]
    import_papers(store, lab, source="test", custom_profile=CUSTOM)


def _preprint(
    n: int,
    title: str,
    abstract: str,
    authors: tuple[str, ...],
    category: str,
    server: str,
    posted: date,
) -> Preprint:
    doi = f"10.64898/2026.04.{n:02d}.{26349955 + n}"
    site = {"medrxiv": "www.medrxiv.org", "biorxiv": "www.biorxiv.org"}.get(server, "arxiv.org")
    return Preprint(
        id=doi,
        version=1,
        title=title,
        abstract=abstract,
        authors=authors,
        server=server,
        posted=posted,
        updated=posted,
        doi=doi,
        categories=(category,),
        url=f"https://{site}/content/{doi}v1",
    )


def build_world(store: Store, settings: Settings, today: date, extra: int = 24) -> World:
    """Profiles, a trained model and `len(SEED_TITLES) + extra + 1` scored preprints."""
    rng = random.Random(14)
    _profiles(store, rng)
    train_from_store(store, settings.model, min_papers=5, today=today)
    preprints = []
    for n, (title, authors, category) in enumerate(SEED_TITLES, start=1):
        abstract = f"We study {_words(rng, 'Medical Image Analysis', 30, 0.3 - 0.03 * n)}."
        preprints.append(
            _preprint(
                n, title, abstract, authors, category, "medrxiv", today - timedelta(days=2 + n * 3)
            )
        )
    journals = list(TOPICS)
    for n in range(len(preprints) + 1, len(preprints) + extra + 1):
        journal = journals[n % len(journals)]
        server = ("biorxiv", "medrxiv", "arxiv")[n % 3]
        preprints.append(
            _preprint(
                n,
                _words(rng, journal, 6, 0.3).capitalize(),
                _words(rng, journal, 40, 0.05) + ".",
                ("Doe, J.", "Roe, R."),
                ("genomics", "neuroscience", "radiology")[n % 3],
                server,
                today - timedelta(days=n % 80),
            )
        )
    attack = f"{_words(rng, 'Genome Research', 30, 0.3)} <b>bold</b> & <script>x()</script>"
    preprints.append(
        _preprint(99, TITLE_ATTACK, attack, ("O'Brien, <i>A.</i>",), "radiology", "medrxiv", today)
    )
    upsert_preprints(store, preprints)
    ids = [p.id for p in preprints]
    score_after_poll(store, settings.model, ids, today=today)
    return World(today, tuple(ids), tuple(ids[: len(SEED_TITLES)]))


def profile_id(store: Store, name: str) -> int:
    found = find_profile(store, name)
    assert isinstance(found, ProfileSummary), f"{name} is not a profile"
    return found.id
