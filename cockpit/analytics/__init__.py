"""Pure analytics: frames in, values out; no textual, no I/O, no clock."""
