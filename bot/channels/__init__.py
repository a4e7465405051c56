"""Delivery channels (Slack, email, console) behind one `send()` interface."""
