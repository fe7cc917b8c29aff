"""Kaifang (开放): a provincial open government data platform."""

__version__ = "0.1.0"
