"""The trained model applied to the store: training, scoring new preprints, window
statistics, and matching one paper against every journal and custom profile."""
