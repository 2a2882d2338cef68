"""The record query language: DreamFactory's filter, fields, order and group parameters."""
