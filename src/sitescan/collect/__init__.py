"""Collectors: the browser crawl, sitemaps, and everything observed on each page."""
