"""The embedded stack's email providers: Resend and SendGrid API endpoints and a fault-injecting
proxy in front of moto's SES, each recording what it accepted and misbehaving on request."""
