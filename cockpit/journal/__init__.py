"""The trade journal (I/O ring): SQLite in the data folder, fills and FIFO round trips, checklist runs.

`store` opens and migrates the file, `fills` imports and matches fills; `COCKPIT_DATA` overrides the folder.
"""
