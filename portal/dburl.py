"""Database URLs are parsed, never cut as strings.

The embedded server's URL names its socket directory in the query
(`postgres://postgres:@/portal?host=/…/.local/pgdata`), so the last "/" of a URL is not always the
one before the database name.
"""

from urllib.parse import quote, urlsplit, urlunsplit


def url_with_database(url: str, name: str) -> str:
    """The same server, user and options as `url`, naming the database `name`."""
    return urlunsplit(urlsplit(url)._replace(path="/" + quote(name, safe="")))
