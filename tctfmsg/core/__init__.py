"""The shared kernel: settings, the resource spec, errors, the client factory; imports no other part."""
