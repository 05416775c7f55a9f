"""Bulk email campaigns: subscribers, lists, campaigns, the scheduler, consumer and dead letters."""
