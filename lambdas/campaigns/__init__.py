"""The campaigns service's Lambda handlers: thin doors over tctfmsg.services."""
