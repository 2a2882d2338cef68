"""Marshmallow schemas validating writes to system records, one module per resource."""
