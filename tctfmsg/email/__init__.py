"""The email backbone every service sends through: SES, Resend, SendGrid behind circuit breakers."""
