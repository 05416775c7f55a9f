"""The shared kernel: settings, the resource spec, errors, the client factory.

It imports no other part of tctfmsg."""
