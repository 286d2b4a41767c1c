"""`smallcap`, the command line: the top of the stack; nothing imports it."""
