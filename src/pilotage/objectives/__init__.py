"""Objectives: ambitions → result objectives → lever indicators, with targets per level and
role, client-contract clauses and public service commitments; checks, attainment, levers."""
