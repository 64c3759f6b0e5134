"""Decide: the participation platform of the city of Contagem."""

__version__ = "0.1.0"
