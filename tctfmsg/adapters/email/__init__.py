"""The email backbone's adapters: SES, Resend and SendGrid behind shared circuit breakers."""
