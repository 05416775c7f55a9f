"""DynamoDB helpers every adapter shares: the attribute codec and batch writes."""
