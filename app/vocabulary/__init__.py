"""The words every layer shares: verbs, a call to a service and its answer.

Nothing here imports from the rest of ``app`` at run time; everything else may import it.
"""
