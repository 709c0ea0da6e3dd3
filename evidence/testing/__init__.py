"""Helpers for tests, benchmarks and the README tour: throwaway servers and demo stores."""
