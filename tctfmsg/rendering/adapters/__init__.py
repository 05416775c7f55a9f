"""The rendering ports' adapters: the DynamoDB config table, SES and headless Chromium."""
