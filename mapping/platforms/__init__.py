"""Inbound record mappers per platform, written with mapping.mapper's declarative rules."""
