"""Development tools that tests/, bench/ and docs/ share (not part of the installed package):
each of them may import tools/, and tools/ imports none of them."""
