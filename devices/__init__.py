"""Devices: serial barcode scanners, ESC/POS printers and label rendering."""
