"""The health space domain: rules, access policy, ports and their AWS adapters.

Functions (functions/<context>/app.py) are thin adapters over this package; it never imports them.
"""
