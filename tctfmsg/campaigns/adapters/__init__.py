"""The campaign ports by technology: DynamoDB, SQS, import files."""
