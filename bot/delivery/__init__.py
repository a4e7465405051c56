"""Getting digests and notices to their targets, exactly once, with every attempt recorded.

- `preparing`: claim what is due, build it, record it (before anything is sent);
- `sending`: lease, send, record the outcome, retry or pause;
- `notices`: confirmation requests and pause notices;
- `attempts`: the one path every message takes to a channel (the attempt ledger);
- `links`: the signed links messages carry.
"""
