"""Tests of evidence.core.pooling against published numbers, RevMan's stored results and hand arithmetic."""
