"""Tests of evidence.pooling against published numbers, RevMan's stored results and hand arithmetic."""
