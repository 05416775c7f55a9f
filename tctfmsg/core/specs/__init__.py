"""The resource spec's declarations, one module per owner (tctfmsg.core.resources gathers them)."""
