"""Infrastructure as code: one CDK stack per service, every resource read from the spec."""
