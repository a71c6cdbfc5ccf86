"""digest: turn a day's news on a story into a briefing an analyst reads in five minutes."""

__version__ = "0.1.0"
