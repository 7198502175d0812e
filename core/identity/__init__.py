"""Identity: accounts, sign-in sessions, access tokens and sign-in throttling.

A small hexagon of its own, as todos/ is: domain.py, ports.py and services.py know no
framework; adapters/ holds the Django ORM adapters and the in-memory fakes; api.py is
the /api/auth router and the bearer authentication every other router uses. Other apps
depend on it only through `Actor`, the user a request acts for.
"""
