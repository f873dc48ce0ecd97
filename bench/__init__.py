"""``make bench``: wareterm's measurements on a generated warehouse, with the machine they ran on."""
