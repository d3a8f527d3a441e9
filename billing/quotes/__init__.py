"""Quotes (B-9): the services, pages, API, PDF and URLs of one subdomain of billing, together."""
