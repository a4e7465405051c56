"""The web server: Slack endpoints, signed links (confirm, unsubscribe) and /healthz."""
