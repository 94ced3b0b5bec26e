"""groundset-server: datasets, versions and the upsert engine over REST."""

__version__ = "0.1.0"
