"""Campaign use cases over ports (tctfmsg.campaigns.ports)."""
