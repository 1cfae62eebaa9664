"""tollway: a self-hosted Amazon API Gateway (REST APIs) served from the files you already have."""

__version__ = "0.1.0"
