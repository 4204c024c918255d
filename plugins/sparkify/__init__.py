"""Sparkify's warehouse pipeline: operators, warehouse backends and the local stack."""
