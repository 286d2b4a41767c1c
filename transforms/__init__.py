"""SQL models (one select per file) and the runner that materialises them by layer."""
