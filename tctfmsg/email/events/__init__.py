"""Provider events in: SES event publishing, Resend's and SendGrid's signed webhooks, each read
as the provider publishes it and turned into one internal ProviderEvent (docs/decisions/0077)."""
