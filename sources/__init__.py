"""Extractors: Yahoo (yfinance), FRED (fredapi) and the offline sample source."""
