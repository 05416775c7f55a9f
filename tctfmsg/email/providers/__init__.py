"""The email providers behind the backbone's EmailProvider port."""
