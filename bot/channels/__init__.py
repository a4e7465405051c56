"""Delivery channels (email, Slack, webhooks; the console for dry runs) behind one interface."""
