"""The launcher that confines every script worker before its program starts (``confine.py``).

Its modules import nothing from the app and nothing from each other's package:
``confine.py`` runs as a script (``python -I -S``) and loads its siblings from
this folder, which holds nothing else so no app module can shadow a standard one.
"""
