"""What tests/, bench/ and docs/ share, so that none imports another (not part of the installed
package): a headless-browser driver (chromium.py) and the ways commenters disguise insults
(disguises.py). Each of them may import tools/; tools/ imports none of them."""
