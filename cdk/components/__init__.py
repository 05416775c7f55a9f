"""Constructs shared by the service stacks.

Not named `constructs`: this folder sits on sys.path when app.py runs and would shadow the library.
"""
