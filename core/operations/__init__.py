"""Operations: what an operator asks of a running installation (``alumni status``, health, metrics)."""
