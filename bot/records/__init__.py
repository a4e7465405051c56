"""The plain types every part of rxradar shares (the bottom layer: imports nothing of ours).

preprint and paper records, journal names, cadences and their slots, where a digest goes
(`Target`), what a subscription wants (`DigestRules`, with its defaults and bounds), the
built digest, and the progress callback type.
"""
