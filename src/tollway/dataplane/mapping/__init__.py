"""Mapping between method and integration: VTL templates, parameter mappings, ``$context`` /
``$input`` / ``$util`` variables, binary conversions."""
